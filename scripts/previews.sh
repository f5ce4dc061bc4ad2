#!/usr/bin/env bash
# PNG pages of every document of the sample agency (อบต.แม่อูคอ, FY 2565), for a reviewer without a
# PDF viewer: the measures (O42-type), the approval memo, the round-12 report and its covering memo.
# Rendered by the same core steps the DAGs call (no Airflow needed), into previews/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
out=previews
dpi="${PREVIEW_DPI:-80}"
rm -rf "$out" && mkdir -p "$out"
python - "$out" <<'PY'
import shutil, sys
from pathlib import Path

from ita_monitor.config import AgenciesDir
from ita_monitor.pipeline import RoundJob, check_round, collect, render_report
from ita_monitor.render import Renderer
from ita_monitor.rounds import Round
from ita_monitor.storage import DataRoot
from ita_monitor.yearly import YearJob, render_approval_memo, render_measures

out = Path(sys.argv[1]).resolve()
agencies, slug, rnd = AgenciesDir("include/agencies"), "mae-u-kho", Round(2565, 12)
data = DataRoot(out / "data")
renderer = Renderer()
year = YearJob.load(agencies, slug, rnd.fiscal_year, data)
pdfs = {"measures": render_measures(year, renderer)["path"], "approval-memo": render_approval_memo(year, renderer)["path"]}
samples = Path("include/sample_submissions") / slug / str(rnd.fiscal_year) / rnd.slug
shutil.copytree(samples, data.inbox(slug, rnd), dirs_exist_ok=True)
job = RoundJob.load(agencies, slug, rnd, data)
collect(job)
check_round(job)
report = render_report(job, renderer)
pdfs |= {"round-12-report": report["path"], "round-12-memo": report["memo_path"]}
for name, path in pdfs.items():
    shutil.copyfile(path, out / f"{name}.pdf")
PY
rm -rf "$out/data"
for pdf in "$out"/*.pdf; do
  pdftoppm -r "$dpi" -png "$pdf" "${pdf%.pdf}"
done
echo "Previews of the sample agency's documents (PDF and PNG pages, ${dpi} dpi):"
ls -1 "$out"/*.pdf "$out"/*.png
