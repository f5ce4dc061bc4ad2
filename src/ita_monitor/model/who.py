"""Who did it, as recorded: on the command line ``--by``, else the operating-system user (never empty)."""

from __future__ import annotations

import getpass
import os


def actor(args: object) -> str:
    """``args.by`` when given, else the OS user running the command (LOGNAME/USER/…, the password database)."""
    given = (getattr(args, "by", None) or "").strip()
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"
