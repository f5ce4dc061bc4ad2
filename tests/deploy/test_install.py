"""The package as production installs it: the wheel, built from the files the Dockerfile copies,
installed without ``-e`` into a fresh virtualenv outside the source tree with requirements.lock; there
the sample round and the yearly plan run (dag.test()) on a copy of the sample agency, every route of
the ITA page answers through Airflow's api-server app, and every document is rendered.

Slow (a few minutes: a whole virtualenv from pip's cache), hence its own marker: ``-m install``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, skip_or_fail

pytestmark = pytest.mark.install

# What the Dockerfile copies into its build folder, and what it puts beside the package.
BUILD_FILES = ["pyproject.toml", "src", "include/templates"]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    if not shutil.which("pdftotext"):
        skip_or_fail("poppler-utils (pdftotext) is not installed")
    work = tmp_path_factory.mktemp("install")
    assert ROOT not in work.parents
    # 1. the wheel, from a copy of exactly the files the Dockerfile copies
    build = work / "src-build"
    build.mkdir()
    for name in BUILD_FILES:
        if (ROOT / name).is_dir():  # as the Dockerfile's COPY, without what the checkout generated
            shutil.copytree(
                ROOT / name, build / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(ROOT / name, build / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(build)])
    wheel = next((work / "dist").glob("ita_monitor-*.whl"))
    # 2. a fresh virtualenv: the locked run-time packages (from pip's cache), then the wheel alone
    venv = work / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    _run([*pip, "install", "-q", "-r", str(ROOT / "requirements.lock")], timeout=1800)
    _run([*pip, "install", "-q", "--no-deps", str(wheel)])
    # 3. what sits beside the package in production: dags/ and plugins/ in Airflow's folders, the
    #    agencies directory, the data root; no setting points into the source tree
    for name in ["dags", "plugins"]:
        shutil.copytree(ROOT / name, work / "airflow" / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "include" / "agencies", work / "agencies")
    # nobody is there to answer an approval (the approval: tests/airflow/test_approval.py)
    profile = work / "agencies" / "mae-u-kho" / "agency.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("approval: true", "approval: false"))
    (work / "data").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
        AIRFLOW_HOME=str(work / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(work / "airflow" / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(work / "airflow" / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__API_AUTH__JWT_SECRET="ita-monitor-install-" + "x" * 64,
        AIRFLOW__ITA__AGENCIES_DIR=str(work / "agencies"),
        AIRFLOW__ITA__DATA_ROOT=(work / "data").as_uri(),
        # the pages' own origin: the test client's name (docs/production.md, "Origin")
        AIRFLOW__ITA__ALLOWED_ORIGINS="http://testserver",
        ITA_SOURCE_TREE=str(ROOT),
        ITA_SAMPLES=str(SAMPLES / "mae-u-kho" / "2565" / "round-12"),
    )
    _run([str(venv / "bin" / "airflow"), "db", "migrate"], env=env, cwd=work, timeout=600)
    script = work / "install_check.py"  # run from outside the source tree, so nothing imports it
    shutil.copy2(Path(__file__).with_name("install_check.py"), script)
    result = _run([str(venv / "bin" / "python"), str(script)], env=env, cwd=work, timeout=1200)
    line = next(x for x in result.stdout.splitlines() if x.startswith("ITA-INSTALL-CHECK "))
    return json.loads(line.removeprefix("ITA-INSTALL-CHECK ")) | {"venv": str(venv)}


def test_the_package_and_its_templates_come_from_the_virtualenv(installed):
    assert installed["package"].startswith(installed["venv"]) and not installed["in_source_tree"]
    assert installed["templates"].startswith(installed["venv"]) and installed["templates_exist"]


def test_the_sample_round_and_plan_run_to_the_end(installed):
    assert installed["import_errors"] == {}
    assert set(installed["runs"].values()) == {"success"}, installed["runs"]


def test_every_document_is_rendered_in_thai(installed):
    assert installed["documents"] == {
        "report": True,
        "round_memo": True,
        "measures": True,
        "approval_memo": True,
    }
    assert installed["forms"] == ["finance", "palad", "pr"]
    assert "mae-u-kho/2565/index.html" in installed["site"]
    assert installed["link_sheet"] == ["oit-links.csv", "oit-links.html"]


def test_every_route_of_the_ita_page_answers(installed):
    routes = installed["routes"]
    assert routes["GET /ita/ (no login)"]["status"] == 401 and routes["GET /ita/ (no login)"]["thai"]
    for page in ["GET /ita/", "GET /ita/a/mae-u-kho/2565/round-12", "GET /ita/run/{dag}/{run}"]:
        assert routes[page]["status"] == 200 and routes[page]["thai"], (page, routes[page])
    assert routes["GET /ita/run/{dag}/{run}/report"]["status"] == 303
    assert routes["GET /ita/run/{dag}/{run}/report"]["location"].endswith("ita-2565-round-12-report.pdf")
    assert (
        routes["GET /ita/run/{dag}/{run}/published"]["location"]
        == "/ita/site/mae-u-kho/2565/ita-2565-round-12-report.pdf"
    )
    assert routes["GET /ita/files/..."]["status"] == 200
    assert routes["GET /ita/files/..."]["type"] == "application/pdf"
    assert routes["GET /ita/site/..."]["status"] == 200
    for action in ["upload", "approve", "rerun"]:
        answer = routes[f"POST /ita/a/mae-u-kho/2565/round-12/{action}"]
        assert answer["status"] == 303 and "/ita/a/mae-u-kho/2565/round-12?" in answer["location"], answer
    assert "m=received" in routes["POST /ita/a/mae-u-kho/2565/round-12/upload"]["location"]
    assert "m=rerun" in routes["POST /ita/a/mae-u-kho/2565/round-12/rerun"]["location"]


def test_the_dockerfile_follows_the_same_steps():
    text = (ROOT / "Dockerfile").read_text()
    for name in BUILD_FILES:
        assert re.search(rf"^COPY --chown=airflow:0 {re.escape(name)} /opt/ita/src-build/", text, re.M), name
    steps = [
        r"pip install --no-cache-dir -r /opt/ita/requirements\.lock",
        r"pip wheel --no-cache-dir --no-deps -w /opt/ita/dist /opt/ita/src-build",
        r"pip install --no-cache-dir --no-deps /opt/ita/dist/ita_monitor-\*\.whl",
        r"COPY --chown=airflow:0 plugins /opt/airflow/plugins",
        r"COPY --chown=airflow:0 dags /opt/airflow/dags",
    ]
    positions = [re.search(step, text).start() for step in steps]
    assert positions == sorted(positions)
    assert "AIRFLOW__ITA__TEMPLATES_DIR" not in text  # the package carries its templates
