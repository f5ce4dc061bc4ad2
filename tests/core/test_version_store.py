"""Every received file becomes its own version, whatever the name and however many processes at once."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from ita_monitor.cli import main as cli
from ita_monitor.flow.pipeline import RoundJob, collect
from ita_monitor.intake.inbox import deliver
from ita_monitor.intake.versions import history, receive, safe_name
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.limits import TooLarge
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, create_exclusive
from tests.conftest import AGENCIES, drop_samples
from tests.core.bad_files import GOOD, LONG_THAI_NAME, csv_text

R12 = Round(2565, 12)
SLUG = "mae-u-kho"


def job_for(root, limit: int | None = None) -> RoundJob:
    return RoundJob.load(AgenciesDir(AGENCIES), SLUG, R12, DataRoot(root, limit))


def status(root) -> dict:
    return json.loads((root / SLUG / "2565" / "round-12" / "status.json").read_text())


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("..csv", "file.csv"),
        ("....csv", "file.csv"),
        (".hidden.xlsx", "hidden.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\กอง\\ผล รอบ 12.JSON", "ผล_รอบ_12.json"),
        ("report.tar.gz", "report.tar.gz"),
        ("", "file"),
    ],
)
def test_safe_names_keep_the_extension_and_drop_the_path(sent, stored):
    assert safe_name(sent) == stored


def test_a_long_thai_name_is_bounded_cut_between_letters_and_still_unique():
    assert len(LONG_THAI_NAME) == 84 and len(LONG_THAI_NAME.encode()) == 236
    name = safe_name(LONG_THAI_NAME)
    assert name.endswith(".csv") and len(name.encode()) <= 120
    assert name.startswith("รายงานผลการดำเนินการ")
    other = safe_name(LONG_THAI_NAME.replace("๑๒", "๖"))
    assert other != name and len(other.encode()) <= 120


def test_a_long_thai_name_in_the_inbox_is_kept_and_read_and_the_round_goes_on(tmp_path):
    inbox = drop_samples(tmp_path)
    (inbox / "finance" / LONG_THAI_NAME).write_text(
        csv_text(["M4", "", "ทำแล้ว", "มีนาคม ๒๕๖๕", "ผลผลิต", "ผลลัพธ์", ""])
    )
    summary = collect(job_for(tmp_path))
    assert summary["files"] == 4 and summary["rejected"] == 0, status(tmp_path)["rejected"]
    kept = [v for v in history(DataRoot(tmp_path), SLUG, R12) if v.name == LONG_THAI_NAME]
    assert len(kept) == 1 and kept[0].source == f"inbox/finance/{LONG_THAI_NAME}"
    stored = tmp_path / SLUG / "2565" / "round-12" / kept[0].stored_as
    assert stored.read_bytes() == (inbox / "finance" / LONG_THAI_NAME).read_bytes()
    assert len(stored.name.encode()) <= 140


def test_a_file_that_cannot_be_read_or_is_too_large_is_rejected_and_the_others_are_read(tmp_path):
    inbox = drop_samples(tmp_path)
    (inbox / "pr" / "gone.csv").symlink_to(tmp_path / "nowhere.csv")  # listed, but cannot be opened
    (inbox / "finance" / "huge.csv").write_bytes(b"x" * 30_001)
    summary = collect(job_for(tmp_path, limit=30_000))
    assert summary["accepted"] == 3 and summary["rejected"] == 2 and summary["rows"] == 4
    rejected = {r["file"]: r["reasons"] for r in status(tmp_path)["rejected"]}
    assert "อ่านไฟล์นี้ไม่ได้" in rejected["inbox/pr/gone.csv"][0]
    assert "cannot be read" in rejected["inbox/pr/gone.csv"][0]
    assert "ไฟล์ใหญ่เกิน 30,000 ไบต์ (30,001 ไบต์)" in rejected["inbox/finance/huge.csv"][0]
    assert "(30,001 bytes)" in rejected["inbox/finance/huge.csv"][0]
    assert all(v.name not in ("gone.csv", "huge.csv") for v in history(DataRoot(tmp_path), SLUG, R12))


def test_deliver_reads_with_the_one_limit_and_never_takes_a_name_twice(tmp_path):
    data = DataRoot(tmp_path, 1000)
    with pytest.raises(TooLarge) as refused:
        deliver(data, SLUG, R12, "pr", "a.csv", iter([b"x" * 600, b"x" * 600, b"never read"]))
    assert refused.value.seen == 1200
    with pytest.raises(TooLarge):
        deliver(data, SLUG, R12, "pr", "a.csv", iter([b"x"]), size=5000)  # a declared size: nothing read
    names = [deliver(data, SLUG, R12, "pr", "..csv", f"v{i}".encode()) for i in range(3)]
    assert names == ["file.csv", "file-2.csv", "file-3.csv"]
    assert not (tmp_path / SLUG / "2565" / "round-12" / "inbox" / "pr" / "a.csv").exists()


def test_create_exclusive_refuses_an_existing_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "x" / "a.bin"
    assert create_exclusive(target, b"first")
    assert not create_exclusive(target, b"second")
    assert target.read_bytes() == b"first" and sorted(os.listdir(target.parent)) == ["a.bin"]


# --- several processes at once ------------------------------------------------------------------


def _deliver_many(root: str, worker: int, count: int, barrier) -> list[str]:
    barrier.wait()
    data = DataRoot(__import__("pathlib").Path(root))
    return [
        deliver(data, SLUG, R12, "pr", "ผลการดำเนินงาน.csv", f"worker {worker} file {i}".encode())
        for i in range(count)
    ]


def _receive_many(root: str, worker: int, count: int, barrier) -> list[tuple[int, bool]]:
    barrier.wait()
    data = DataRoot(__import__("pathlib").Path(root))
    out = []
    for i in range(count):
        v, new = receive(data, SLUG, R12, "palad", "same-name.xlsx", f"payload {worker}-{i}".encode())
        out.append((v.version, new))
        # every worker also sends one payload the others send too: it is one version only
        receive(data, SLUG, R12, "palad", "shared.xlsx", b"the same bytes from everyone")
    return out


def _collect(root: str, barrier) -> dict:
    barrier.wait()
    return collect(job_for(__import__("pathlib").Path(root)))


def _run(target, args_for, n: int) -> list:
    # spawn, not fork: the suite has Airflow loaded (threads, DB pools) and a forked child can hang on them
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(n)
    with ctx.Pool(n) as pool:
        return pool.starmap(target, [(*args_for(i), barrier) for i in range(n)])


def test_concurrent_deliveries_of_one_name_each_keep_their_own_file(tmp_path):
    workers, each = 6, 8
    results = _run(_deliver_many, lambda i: (str(tmp_path), i, each), workers)
    names = [n for r in results for n in r]
    assert len(names) == len(set(names)) == workers * each
    folder = tmp_path / SLUG / "2565" / "round-12" / "inbox" / "pr"
    kept = {p.read_bytes() for p in folder.iterdir()}
    assert kept == {f"worker {w} file {i}".encode() for w in range(workers) for i in range(each)}


def test_concurrent_receipts_and_collects_give_every_file_its_own_version(tmp_path):
    workers, each = 6, 6
    results = _run(_receive_many, lambda i: (str(tmp_path), i, each), workers)
    versions = history(DataRoot(tmp_path), SLUG, R12)
    numbers = sorted(v.version for v in versions)
    assert numbers == list(range(1, workers * each + 2))  # no gap, no number twice
    payloads = {v.sha256 for v in versions}
    assert len(payloads) == workers * each + 1  # the shared bytes once
    assert sorted(n for r in results for n, new in r if new) == sorted(
        v.version for v in versions if v.name == "same-name.xlsx"
    )
    manifest = json.loads((tmp_path / SLUG / "2565" / "round-12" / "received" / "manifest.json").read_text())
    assert len(manifest["versions"]) <= len(versions)  # the index may lag; the claims are the record

    # several collects at once over one inbox: each inbox file one version, statuses all written
    drop_samples(tmp_path)
    summaries = _run(_collect, lambda i: (str(tmp_path),), 4)
    after = history(DataRoot(tmp_path), SLUG, R12)
    assert len(after) == len(versions) + 3 and len({(v.unit, v.version) for v in after}) == len(after)
    assert sum(s["new_versions"] for s in summaries) == 3
    assert status(tmp_path)["state"] == "collected"
    assert (
        cli(
            [
                "history",
                "--agency",
                SLUG,
                "--fiscal-year",
                "2565",
                "--round",
                "12",
                "--data-root",
                str(tmp_path),
            ]
        )
        == 0
    )


# --- bounds: whatever a file holds, what a round writes stays small ------------------------------


def test_check_submission_refuses_a_60_mb_file_without_reading_it(tmp_path, capsys):
    import tracemalloc

    big = tmp_path / "palad.csv"
    with big.open("wb") as f:  # sparse: 60 MB on paper
        f.truncate(60 * 1024 * 1024)
    tracemalloc.start()
    code = cli(
        [
            "check-submission",
            str(big),
            "--agency",
            SLUG,
            "--fiscal-year",
            "2565",
            "--round",
            "12",
            "--unit",
            "palad",
            "--agencies-dir",
            str(AGENCIES),
        ]
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    err = capsys.readouterr().err
    assert code == 1 and "ไฟล์ใหญ่เกิน 5 MB (62,914,560 ไบต์)" in err and "(62,914,560 bytes)" in err
    assert peak < 8 * 1024 * 1024  # never read whole


def test_a_file_of_thousands_of_rows_keeps_status_and_collected_small(tmp_path):
    inbox = drop_samples(tmp_path)
    rows = [["M1", "", "ทำแล้ว", "เมษายน ๒๕๖๕", "ผลผลิต", "ผลลัพธ์", ""]] * 5000
    (inbox / "palad" / "repeated.csv").write_text(csv_text(*rows))
    summary = collect(job_for(tmp_path))
    assert summary["rejected"] == 1 and summary["rows"] == 4
    round_dir = tmp_path / SLUG / "2565" / "round-12"
    assert (round_dir / "status.json").stat().st_size < 100_000
    assert (round_dir / "collected.json").stat().st_size < 100_000
    bad = next(f for f in status(tmp_path)["files"] if f["file"].endswith("repeated.csv"))
    assert len(bad["problems"]) == 51  # more than 1,000 rows, 49 repeats; "and 950 more like this"
    assert bad["problems"][0]["en"].startswith("the file has more than 1,000 filled rows")
    assert bad["problems"][-1]["en"].startswith("and 950 more like this")


def test_check_submission_lists_50_problems_and_counts_them_all(tmp_path, capsys):
    f = tmp_path / "palad.csv"
    f.write_text(csv_text(*[GOOD] * 1200))
    args = ["check-submission", str(f), "--agency", SLUG, "--fiscal-year", "2565", "--round", "12"]
    assert cli([*args, "--unit", "palad", "--agencies-dir", str(AGENCIES)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 52 and "the file has more than 1,000 filled rows" in err[0]
    assert "and 950 more like this" in err[-2]
    assert err[-1].endswith("rejected: 1,000 problem(s); the round would not count this file")


def test_create_exclusive_on_another_fsspec_store_uses_its_exclusive_mode():
    from types import SimpleNamespace

    import fsspec

    fs = fsspec.filesystem("memory")
    key = f"/ita-test/{os.getpid()}/claims/001.json"
    target = SimpleNamespace(fs=fs, path=key)
    assert create_exclusive(target, b"first") and not create_exclusive(target, b"second")
    assert fs.cat_file(key) == b"first"
    fs.rm(f"/ita-test/{os.getpid()}", recursive=True)


def test_workbook_dimensions_are_read_as_openpyxl_reads_them_without_a_full_parse():
    import io

    import openpyxl

    from ita_monitor.intake.workbook import sheets as _sheets_xlsx

    wb = openpyxl.Workbook()
    for i in range(30):
        wb.active.append([i, "x"])
    buf = io.BytesIO()
    wb.save(buf)
    list(_sheets_xlsx(buf.getvalue()))  # installs the faster size reading
    book = openpyxl.load_workbook(io.BytesIO(buf.getvalue()), read_only=True)
    assert (book.active.max_row, book.active.max_column) == (30, 2)
    book.close()
