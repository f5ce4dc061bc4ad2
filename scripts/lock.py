"""Regenerate requirements.lock and requirements-test.lock (`make lock`).

requirements.lock       every package pyproject.toml's `dependencies` need (the run-time closure; the
                        Docker image installs only this file)
requirements-test.lock  only what the `test` extra (pytest, ruff, selenium, ...) adds on top of it

Both are resolved afresh in a throwaway venv, never frozen from .venv:
  1. fresh venv, `pip install -c <current pins> <dependencies>`, `pip freeze`  -> requirements.lock
  2. same venv, `pip install -c <current pins> -c requirements.lock <test extra>`, `pip freeze`
     minus requirements.lock                                                   -> requirements-test.lock
The current pins of both files are the constraints, so running it again without changes reproduces
both files exactly; a package nothing needs any more drops out; a new dependency gets the newest
version that fits.  The test tools can only add packages: a test tool that needs another version of a
run-time package makes step 2 fail instead of moving a pin.  `pip check` must pass after each step.

    make lock                       # after editing pyproject.toml's dependencies or the test extra
    make lock UPGRADE="boto3 s3fs"  # lift these pins (names as in the lock); UPGRADE=all lifts every pin

Needs Python 3.11 (the image's, python3.11 in apache/airflow:3.3.2-python3.11) and the package index.
After `make lock`, `make setup` installs the new pins into .venv (packages that were dropped from the
locks stay in .venv until it is recreated).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
PROJECT = "ita-monitor"

RUNTIME_HEADER = """\
# Exact versions of everything ita-monitor needs at run time (Python 3.11): the closure of pyproject.toml's
# `dependencies`.  The Docker image installs only this file; the test tools are in requirements-test.lock.
# Regenerate: make lock (scripts/lock.py)
"""
TEST_HEADER = """\
# Exact versions of what the test tools (pyproject.toml's `test` extra) add to requirements.lock (Python 3.11).
# Development and CI: pip install -r requirements.lock -r requirements-test.lock (make setup).  Never in the image.
# Regenerate: make lock (scripts/lock.py)
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """canonical name -> `name==version` line of a lock file (empty if the file does not exist)."""
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, sep, _ = line.partition("==")
                if not sep:
                    sys.exit(f"lock.py: {path.name}: not an exact pin: {line}")
                out[canonical(name)] = line
    return out


def run(*cmd: str | Path) -> str:
    print("+", " ".join(map(str, cmd)), file=sys.stderr, flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.PIPE, text=True).stdout


def freeze(pip: Path) -> dict[str, str]:
    out = {}
    for line in run(pip, "freeze").splitlines():
        name, sep, _ = line.partition("==")
        if not sep:
            sys.exit(f"lock.py: pip freeze printed something that is not an exact pin: {line}")
        if canonical(name) != PROJECT:
            out[canonical(name)] = line
    return out


def write(path: Path, header: str, lines: dict[str, str]) -> None:
    path.write_text(header + "".join(line + "\n" for line in lines.values()))  # in pip freeze's order
    print(f"{path.name}: {len(lines)} packages", file=sys.stderr)


def main() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit("lock.py: the locks are for Python 3.11 (the image's): make lock PYTHON=python3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dependencies = project["dependencies"]
    test_extra = project["optional-dependencies"]["test"]

    current = {**pins(TEST_LOCK), **pins(RUNTIME_LOCK)}
    upgrade = os.environ.get("UPGRADE", "").split()
    if upgrade == ["all"]:
        current = {}
    for name in upgrade:
        if name != "all" and current.pop(canonical(name), None) is None:
            sys.exit(f"lock.py: UPGRADE names {name}, which neither lock pins")

    with tempfile.TemporaryDirectory(prefix="ita-lock-") as tmp:
        tmp = Path(tmp)
        constraints = tmp / "constraints.txt"
        constraints.write_text("".join(line + "\n" for line in current.values()))
        run(sys.executable, "-m", "venv", tmp / "venv")
        pip = tmp / "venv" / "bin" / "pip"
        run(pip, "install", "-q", "--upgrade", "pip")

        run(pip, "install", "-q", "-c", constraints, *dependencies)
        run(pip, "check")
        runtime = freeze(pip)
        runtime_constraints = tmp / "runtime.txt"
        runtime_constraints.write_text("".join(line + "\n" for line in runtime.values()))

        run(pip, "install", "-q", "-c", constraints, "-c", runtime_constraints, *test_extra)
        run(pip, "check")
        everything = freeze(pip)

    moved = {name for name in runtime if everything.get(name) != runtime[name]}
    if moved:  # cannot happen with the runtime constraints, but the locks must never disagree
        sys.exit(f"lock.py: the test tools changed run-time pins: {sorted(moved)}")
    test = {name: line for name, line in everything.items() if name not in runtime}
    write(RUNTIME_LOCK, RUNTIME_HEADER, runtime)
    write(TEST_LOCK, TEST_HEADER, test)


if __name__ == "__main__":
    main()
