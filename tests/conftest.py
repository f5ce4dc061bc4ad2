"""Test setup shared by every test.

Airflow reads its config when first imported, so the environment is set here, before any test
module imports it: a metadata DB of the tests' own (SQLite, reset once per session), this project's
dags/ and plugins/, the sample agencies.  Each test that runs a round gets its own data root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# One Airflow home per pytest process, so parallel runs never share (or reset) each other's DB.
AIRFLOW_HOME = ROOT / "var" / f"test-airflow-{os.getpid()}"
AGENCIES = ROOT / "include" / "agencies"
SAMPLES = ROOT / "include" / "sample_submissions"

os.environ.update(
    AIRFLOW_HOME=str(AIRFLOW_HOME),
    AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{AIRFLOW_HOME}/airflow.db",
    AIRFLOW__API_AUTH__JWT_SECRET="ita-monitor-tests-" + "x" * 64,
    AIRFLOW__ITA__AGENCIES_DIR=str(AGENCIES),
    AIRFLOW__ITA__DATA_ROOT=(ROOT / "var" / "test-data-unset").as_uri(),
    # Starlette's TestClient asks for http://testserver: the page's own origin in the tests
    AIRFLOW__ITA__ALLOWED_ORIGINS="http://testserver",
)

IN_CI = os.environ.get("CI") == "true"


def _sync_dags() -> None:
    """The agencies' DAG files in dags/ita_agencies/, as `make setup` writes them (`ita-monitor dags
    sync`); they build whatever agencies directory a test sets."""
    from ita_monitor.airflow_layer.dag_files import sync

    sync(ROOT / "dags", AGENCIES, 1, "0 7 * * 1")


_sync_dags()


def skip_or_fail(reason: str) -> None:
    """Skip a test whose service is missing here; under CI=true that is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: integration tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def airflow_db():
    """A fresh, migrated Airflow metadata DB for this test session (removed afterwards)."""
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)
    AIRFLOW_HOME.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, env=os.environ
    )
    yield AIRFLOW_HOME
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    """An empty data root for one test, set as ``[ita] data_root``."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("AIRFLOW__ITA__DATA_ROOT", root.as_uri())
    return root


def drop_samples(root: Path, agency: str = "mae-u-kho", fy: int = 2565, months: int = 12, units=None) -> Path:
    """Put the sample unit submissions of a round into its inbox, as units would."""
    src = SAMPLES / agency / str(fy) / f"round-{months:02d}"
    inbox = root / agency / str(fy) / f"round-{months:02d}" / "inbox"
    for unit_dir in sorted(src.iterdir()):
        if units is None or unit_dir.name in units:
            shutil.copytree(unit_dir, inbox / unit_dir.name, dirs_exist_ok=True)
    return inbox


def pdftotext(pdf: Path | bytes) -> str:
    """Text of a PDF as poppler extracts it (-raw keeps combining marks with their letters)."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
