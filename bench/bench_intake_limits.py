"""Files that try the limits: an 80,000-row workbook (inside the size limit), a 60 MB CSV (above it), and
the hostile files of issue 23 (tests/core/hostile_files.py): JSON nested 100,000 deep, 10,000 header
columns, a 4 MB cell, a 1,000-sheet workbook and an ordinary 80,000-row workbook written by openpyxl.

For each: time and peak memory of ``ita-monitor check-submission`` and of collect (a round with the
sample submissions plus that file), each in its own process, and the size of status.json and
collected.json afterwards.  Targets: under 2 s and 150 MB each.  The files are generated here, in a
temporary folder, and removed afterwards (never committed).

    python bench/bench_intake_limits.py               this checkout
    python bench/bench_intake_limits.py --src DIR     another checkout's src/ (figures "before")

Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AGENCIES = ROOT / "include" / "agencies"
SAMPLES = ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / "round-12"
HEADER = ["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์", "หมายเหตุ"]
ROW = ["M1", "", "จัดทำมาตรการและประกาศให้เจ้าหน้าที่ทราบ", "เดือนเมษายน ๒๕๖๕", "ประกาศมาตรการ", "รายงานผล", ""]
TARGET_S, TARGET_MB = 2.0, 150


def make_workbook(path: Path, rows: int = 80_000) -> None:
    """The rows written as Excel writes them (shared strings, styled cells), straight into the zip:
    ~2.5 MB, ~45 MB inflated, inside the zip-bomb limits (openpyxl's inline strings would be 68 MB)."""
    import zipfile
    from xml.sax.saxutils import escape

    strings = sorted({t for t in HEADER + ROW if t})
    index = {t: i for i, t in enumerate(strings)}

    def row_xml(n: int, cells: list[str]) -> str:
        out = "".join(
            f'<c r="{chr(65 + i)}{n}" s="1" t="s"><v>{index[t]}</v></c>'
            if t
            else f'<c r="{chr(65 + i)}{n}" s="1"/>'
            for i, t in enumerate(cells)
        )
        return f'<row r="{n}" spans="1:7" ht="45" customHeight="1" x14ac:dyDescent="0.25">{out}</row>'

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    x14 = 'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName='
            '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel}><sheets><sheet name="ผล" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr(
            "xl/styles.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}><fonts count="1"><font><sz val="16"/>'
            '<name val="TH SarabunPSK"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/>'
            '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf/><xf applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf></cellXfs>'
            "</styleSheet>",
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
            + "</sst>",
        )
        body = [row_xml(1, HEADER)] + [row_xml(n, ROW) for n in range(2, rows + 2)]
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns} {rel} {x14}><sheetData>'
            + "".join(body)
            + "</sheetData></worksheet>",
        )


def hostile_files(folder: Path) -> list[tuple[str, Path]]:
    """The worst files of issue 23, built as the tests build them."""
    sys.path.insert(0, str(ROOT))
    from tests.core import hostile_files as hostile  # imports nothing of the tests' conftest

    built = [
        ("JSON nested 100,000 deep", "palad-nested.json", hostile.nested_json(100_000)),
        ("CSV with 10,000 extra columns", "palad-wide.csv", hostile.wide_csv(10_000)),
        ("CSV with a 4 MB cell", "palad-4mb-cell.csv", hostile.big_cell_csv(4 * 1024 * 1024)),
        ("1,000-sheet workbook", "palad-1000-sheets.xlsx", hostile.many_sheets(1000)),
        ("80,000-row openpyxl workbook", "palad-openpyxl-80000.xlsx", hostile.openpyxl_rows(80_000)),
    ]
    out = []
    for label, name, data in built:
        (folder / name).write_bytes(data)
        print(f"{label}: {len(data) / 1e6:.2f} MB")
        out.append((label, folder / name))
    return out


def make_csv(path: Path, size: int = 60 * 1024 * 1024) -> None:
    line = (",".join(ROW) + "\r\n").encode("utf-8")
    with path.open("wb") as f:
        f.write((",".join(HEADER) + "\r\n").encode("utf-8"))
        f.write(line * (size // len(line) + 1))


CHILD = r"""
import json, sys, time
t = time.perf_counter()
what, arg = sys.argv[1], sys.argv[2]
if what == "check":
    import contextlib, io
    from ita_monitor.cli import main
    err = io.StringIO()
    out_ = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out_):
        code = main(["check-submission", arg, "--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "12",
                     "--unit", "palad", "--agencies-dir", sys.argv[3]])
    said = (err.getvalue() + out_.getvalue()).strip().splitlines() or [""]
    out = {"exit": code, "lines": len(said), "last": said[-1][:160]}
else:  # collect, or collect then the round page
    from pathlib import Path
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.flow.pipeline import RoundJob, collect
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    job = RoundJob.load(AgenciesDir(sys.argv[3]), "mae-u-kho", Round(2565, 12), DataRoot(Path(arg)))
    try:
        out = collect(job)
    except Exception as exc:  # the "before" code stops here on some files
        out = {"error": f"{type(exc).__name__}: {exc}"[:200]}
out["seconds"] = round(time.perf_counter() - t, 2)
if what == "page":  # the round page as the api-server renders it (its template, no HTTP around it)
    from ita_monitor.views.round_detail import round_detail
    from ita_monitor.airflow_layer.webapp.templating import environment
    t = time.perf_counter()
    detail = round_detail(job.agency, job.plan, job.rnd, job.data)
    html = environment().get_template("round.html.j2").render(
        base="/ita", d=detail, agency=job.agency, user="admin", csrf="x", message="", error="",
        max_mb=5, suffixes=".xlsx, .csv, .json")
    out = {"page_kb": round(len(html.encode()) / 1024), "page_seconds": round(time.perf_counter() - t, 2)}
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over fork and exec)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
out["peak_mb"] = round(int(hwm[0].split()[1]) / 1024, 1) if hwm else None
print(json.dumps(out, ensure_ascii=False))
"""


def run(src: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
    env.pop("AIRFLOW__ITA__MAX_SUBMISSION_BYTES", None)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        return {"crashed": done.stderr.strip().splitlines()[-1:], "wall": round(wall, 2)}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall": round(wall, 2)}


def report(label: str, figures: dict) -> None:
    seconds, peak = figures.get("seconds"), figures.get("peak_mb")
    met = seconds is not None and seconds < TARGET_S and peak is not None and peak < TARGET_MB
    shown = {k: v for k, v in figures.items() if k not in ("seconds", "peak_mb")}
    print(f"{label}: {seconds} s, peak {peak} MB (process wall {figures.get('wall')} s) {shown}")
    print(f"  target < {TARGET_S:g} s and < {TARGET_MB} MB: {'met' if met else 'NOT met'}")


def main() -> None:
    src = ROOT / "src"
    if "--src" in sys.argv:
        src = Path(sys.argv[sys.argv.index("--src") + 1]).resolve()
    print(f"code: {src}")
    work = Path(tempfile.mkdtemp(prefix="ita-bench-limits-"))
    try:
        book, big = work / "palad-80000-rows.xlsx", work / "palad-60mb.csv"
        make_workbook(book)
        make_csv(big)
        print(
            f"80,000-row workbook: {book.stat().st_size / 1e6:.1f} MB; CSV: {big.stat().st_size / 1e6:.1f} MB"
        )
        files = [("80,000-row workbook", book), ("60 MB CSV", big), *hostile_files(work)]
        for label, path in files:
            report(f"check-submission, {label}", run(src, "check", str(path), str(AGENCIES)))
            data = work / f"data-{path.stem}"
            inbox = data / "mae-u-kho" / "2565" / "round-12" / "inbox"
            shutil.copytree(SAMPLES, inbox)
            shutil.copy(path, inbox / "palad" / path.name)
            figures = run(src, "collect", str(data), str(AGENCIES))
            round_dir = inbox.parent
            for name in ("status.json", "collected.json"):
                f = round_dir / name
                figures[name] = f"{f.stat().st_size / 1024:.0f} KB" if f.exists() else "not written"
            report(f"collect with the {label}", figures)
            page = run(src, "page", str(data), str(AGENCIES))  # collect again (nothing new), then the page
            print(
                f"round page after it: {page.get('page_kb')} KB rendered in {page.get('page_seconds')} s "
                f"(peak {page.get('peak_mb')} MB) {page.get('crashed', '')}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
