#!/usr/bin/env bash
# One complete monitoring round of the sample agency (อบต.แม่อูคอ, FY 2565, round 12), run by Airflow
# (`airflow dags test`, the metadata DB in var/airflow), with the sample unit submissions dropped in
# the round's inbox first.  Prints where the PDFs and the site page are.
set -euo pipefail
cd "$(dirname "$0")/.."
agency=mae-u-kho
fy=2565
round=12
data_root="${AIRFLOW__ITA__DATA_ROOT#file://}"
inbox="$data_root/$agency/$fy/round-$round/inbox"

echo "== ita-monitor demo: $agency, fiscal year $fy, round $round"
echo "-- units drop their files in $inbox/<unit>/"
mkdir -p "$inbox"
# -n: a file already received is never overwritten
cp -rn include/sample_submissions/$agency/$fy/round-$round/. "$inbox/"
ls -1 "$inbox"/*/

echo "-- checking the agencies directory"
ita-monitor validate "$AIRFLOW__ITA__AGENCIES_DIR"

# Both DAGs wait for a person to approve publishing (run_round / approve_publish).  In the demo nobody is there:
# scripts/demo_approve.py answers Approve through Airflow's REST API as admin, with the comment
# "demo auto-approval (scripts/demo.sh)", so each run records who approved and why.
run_approved() {  # run_approved <dag_id> <conf> <log>
  local dag_id=$1 conf=$2 log=$3 pid
  airflow dags test "$dag_id" -c "$conf" > "$log" 2>&1 &
  pid=$!
  if ! python scripts/demo_approve.py "$dag_id" 600 "${log%.log}-approve.log"; then
    tail -20 "${log%.log}-approve.log"
    kill -9 "$pid" 2>/dev/null || true  # a waiting `dags test` ignores SIGTERM
    tail -40 "$log"; echo "demo: the approval step of $dag_id failed (see $log)" >&2; exit 1
  fi
  if ! wait "$pid"; then
    tail -40 "$log"; echo "demo: $dag_id failed (see $log)" >&2; exit 1
  fi
}

mkdir -p var
echo "-- running the yearly plan DAG: measures, approval memo, approval, publish (log: var/demo-plan.log)"
run_approved "ita_plan__$agency" "{\"fiscal_year\": $fy}" var/demo-plan.log

echo "-- running the round DAG (log: var/demo-round.log)"
run_approved "ita_round__$agency" "{\"fiscal_year\": $fy, \"round\": $round}" var/demo-round.log
python - "$data_root" "$agency" "$fy" "$round" <<'PY'
import pathlib, sys

from ita_monitor.model import status as statuses
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot

root, agency, fy, rnd = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = DataRoot(pathlib.Path(root))
status = statuses.load_round(data, agency, Round(fy, rnd))
if status.state != "published":
    sys.exit(f"demo: round ended in state {status.state!r}, expected 'published'")
site = pathlib.Path(root) / "site" / agency / str(fy)
print(f"-- round state: {status.state}  ({status.label_th})")
due, gaps = status.completeness.due, status.completeness.gaps
print(f"   completeness: {len(due) - len(gaps)} of {len(due)} submissions in")


def approval_line(st):
    a = st.approval
    if a.decision:
        print(f"   approval:     {a.decision} by {a.by} at {a.at}: {a.comment}")


def selfcheck_line(st):
    sc = st.selfcheck
    docs = ", ".join(f"{n} {d.pages} p. {d.characters} chars" for n, d in (sc.documents if sc else {}).items())
    print(f"   self-check:   {'passed' if sc and sc.ok else 'FAILED'} ({docs})")


approval_line(status)
selfcheck_line(status)
print(f"   report PDF:   {status.report.path}")
print(f"   covering memo PDF: {status.report.memo_path}")
plan = statuses.load_plan(data, agency, fy)
if plan.state != "published":
    sys.exit(f"demo: the yearly plan ended in state {plan.state!r}, expected 'published'")
print(f"-- yearly plan state: {plan.state}")
approval_line(plan)
selfcheck_line(plan)
print(f"   measures PDF:      {plan.measures.path}")
print(f"   approval memo PDF: {plan.memo.path}")
for doc in plan.published.documents:
    print(f"   published:    {site / doc.filename}")
for doc in status.published.documents:
    print(f"   published:    {site / doc.filename}")
print(f"   site page:    {site / 'index.html'}")
print(f"   status:       {statuses.round_path(data, agency, Round(fy, rnd))}")
PY
