#!/usr/bin/env bash
# PNG pages of every document of two agencies, for a reviewer without a PDF viewer:
#  - the sample agency (อบต.แม่อูคอ, FY 2565): the measures (O42-type), the approval memo, the round-12
#    report and its covering memo;
#  - a generated agency that stresses the layout (tests/synthetic_agency.py make_long_agency; also
#    `scripts/generate_agencies.py --long`): long unit names, two units on one measure, 10,000-character
#    cells.
# Rendered by the same core steps the DAGs call (no Airflow needed), each PDF self-checked as before
# approval, into previews/<agency>/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
out=previews
dpi="${PREVIEW_DPI:-80}"
rm -rf "$out" && mkdir -p "$out"
python - "$out" <<'PY'
import shutil, sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
from ita_monitor.model.config import AgenciesDir
from ita_monitor.flow.pipeline import RoundJob, check_round, collect, render_report
from ita_monitor.documents.render import Renderer
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, read_json
from ita_monitor.flow.yearly import YearJob, render_approval_memo, render_measures
from tests.synthetic_agency import make_long_agency

out = Path(sys.argv[1]).resolve()
rnd = Round(2565, 12)
data = DataRoot(out / "data")
generated = out / "agencies"
long_slug = make_long_agency(generated, data.root)
shutil.copytree(
    Path("include/sample_submissions") / "mae-u-kho" / str(rnd.fiscal_year) / rnd.slug,
    data.inbox("mae-u-kho", rnd),
    dirs_exist_ok=True,
)
renderer = Renderer()
failed = []
for agencies, slug in ((AgenciesDir("include/agencies"), "mae-u-kho"), (AgenciesDir(generated), long_slug)):
    year = YearJob.load(agencies, slug, rnd.fiscal_year, data)
    pdfs = {"measures": render_measures(year, renderer), "approval-memo": render_approval_memo(year, renderer)}
    job = RoundJob.load(agencies, slug, rnd, data)
    collect(job)
    check_round(job)
    report = render_report(job, renderer)
    pdfs["round-12-report"] = {"path": report["path"]}
    pdfs["round-12-memo"] = {"path": report["memo_path"]}
    (out / slug).mkdir()
    for name, result in pdfs.items():
        shutil.copyfile(result["path"], out / slug / f"{name}.pdf")
    checks = {
        **(read_json(year.folder / "status.json", {}) or {})["selfcheck"]["documents"],
        **(read_json(data.status(slug, rnd), {}) or {})["selfcheck"]["documents"],
    }
    for name, check in checks.items():
        print(f"self-check {slug} {name}: {'passed' if check['ok'] else 'FAILED'} "
              f"({check['pages']} pages, {check['characters']} characters, {check['seconds']:.2f} s)")
        failed += [f"{slug} {name}: {f}" for f in check["findings"]]
if failed:
    print("\n".join(failed))
    sys.exit(1)
PY
rm -rf "$out/data" "$out/agencies"
for pdf in "$out"/*/*.pdf; do
  pdftoppm -r "$dpi" -png "$pdf" "${pdf%.pdf}"
done
echo "Previews of every document of both agencies (PDF and PNG pages, ${dpi} dpi):"
ls -1 "$out"/*/*.pdf "$out"/*/*.png
