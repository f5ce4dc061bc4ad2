"""``python -m ita_monitor.cli``: the same command line as ``ita-monitor``."""

import sys

from ita_monitor.cli import main

sys.exit(main())
