"""pyproject.toml lists every package (by hand, since the templates' package lives outside src/) and
ships every template; the installed-wheel test (marker ``install``) checks the built result."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_under_src_is_listed():
    src = ROOT / "src"
    found = {".".join(p.parent.relative_to(src).parts) for p in src.rglob("__init__.py")}
    listed = set(_setuptools()["packages"])
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert listed - found == {"ita_monitor.templates"}


def test_every_template_is_package_data():
    folder = ROOT / _setuptools()["package-dir"]["ita_monitor.templates"]
    patterns = _setuptools()["package-data"]["ita_monitor.templates"]
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    files = [f for f in files if not f.endswith((".py", ".pyc"))]
    # as setuptools globs: ``*`` never crosses a folder
    regexes = [re.compile(re.escape(pat).replace(r"\*", "[^/]*") + "$") for pat in patterns]
    missing = [f for f in files if not any(r.match(f) for r in regexes)]
    assert files and not missing, f"add to package-data of ita_monitor.templates: {missing}"
