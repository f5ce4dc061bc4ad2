"""One data root (and one agencies directory) for every entry point: the command line, the plugin's
pages and the DAGs' tasks resolve the same folders from the same settings, whether they come from
``AIRFLOW__ITA__*``, from ``[ita]`` in Airflow's config file, or from neither ($AIRFLOW_HOME/ita)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "ita-monitor")
AGENCIES = ROOT / "include" / "agencies"

# what the plugin's pages and the DAGs' tasks read, in a fresh process with the same settings
SERVERS = """
import json
from ita_monitor.airflow_layer import settings
from ita_monitor.airflow_layer.webapp import sources
print(json.dumps({
    "plugin": [str(sources.data_root().root), str(sources.agencies_dir().root)],
    "dags": [str(settings.data().root), str(settings.agencies_dir().root)],
}))
"""


def _env(home: Path, **ita: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__ITA__", "AIRFLOW_CONFIG"))}
    env["AIRFLOW_HOME"] = str(home)
    env.update({f"AIRFLOW__ITA__{k.upper()}": v for k, v in ita.items()})
    return env


def _local(setting: str) -> Path:
    from ita_monitor.model.storage import local_path

    found = local_path(setting)
    assert found is not None, setting
    return found.resolve()


def _resolved(env: dict[str, str]) -> dict[str, list[Path]]:
    out = subprocess.run(
        [sys.executable, "-c", SERVERS], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    found = {
        who: [_local(data), _local(agencies)] for who, (data, agencies) in json.loads(out.stdout).items()
    }
    status = subprocess.run(
        [CLI, "status", "--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "12", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert status.returncode == 0, status.stderr  # found mae-u-kho in the default agencies directory
    found["cli"] = [_local(json.loads(status.stdout)["data_root"]), None]
    return found


def _same(found: dict[str, list[Path]], data: Path, agencies: Path) -> None:
    assert found["cli"][0] == found["plugin"][0] == found["dags"][0] == data.resolve(), found
    assert found["plugin"][1] == found["dags"][1] == agencies.resolve(), found


@pytest.mark.parametrize("where", ["environment", "airflow.cfg"])
def test_the_cli_the_plugin_and_the_dags_read_the_same_setting(tmp_path, where):
    data = tmp_path / "elsewhere" / "data"
    home = tmp_path / "airflow"
    home.mkdir()
    if where == "environment":
        env = _env(home, data_root=data.as_uri(), agencies_dir=str(AGENCIES))
    else:
        (home / "airflow.cfg").write_text(f"[ita]\ndata_root = {data.as_uri()}\nagencies_dir = {AGENCIES}\n")
        env = _env(home)
    _same(_resolved(env), data, AGENCIES)


def test_without_a_setting_everything_reads_beside_airflow_home(tmp_path):
    home = tmp_path / "airflow"
    (home / "ita").mkdir(parents=True)
    (home / "ita" / "agencies").symlink_to(AGENCIES, target_is_directory=True)
    _same(_resolved(_env(home)), home / "ita" / "data", home / "ita" / "agencies")


def test_an_explicit_data_root_wins_over_the_setting(tmp_path):
    from ita_monitor import cli
    from ita_monitor.cli.common import data_of

    args = cli.build_parser().parse_args(
        ["status", "--agency", "a", "--fiscal-year", "2565", "--round", "12", "--data-root", str(tmp_path)]
    )
    assert data_of(args).root == tmp_path
