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

echo "-- running the yearly plan DAG: measures, approval memo, publish (log: var/demo-plan.log)"
mkdir -p var
if ! airflow dags test "ita_plan__$agency" -c "{\"fiscal_year\": $fy}" > var/demo-plan.log 2>&1; then
  tail -40 var/demo-plan.log; echo "demo: the yearly plan failed (see var/demo-plan.log)" >&2; exit 1
fi

echo "-- running the round DAG (log: var/demo-round.log)"
mkdir -p var
# The round waits for a person to approve publishing (approve_publish).  In the demo nobody is
# there: scripts/demo_approve.py answers Approve through Airflow's REST API as admin, with the
# comment "demo auto-approval (scripts/demo.sh)", so the run records who approved and why.
airflow dags test "ita_round__$agency" -c "{\"fiscal_year\": $fy, \"round\": $round}" > var/demo-round.log 2>&1 &
round_pid=$!
if ! python scripts/demo_approve.py "ita_round__$agency" 600 var/demo-approve.log; then
  tail -20 var/demo-approve.log
  kill -9 "$round_pid" 2>/dev/null || true  # a waiting `dags test` ignores SIGTERM
  tail -40 var/demo-round.log; echo "demo: the round's approval step failed (see var/demo-round.log)" >&2; exit 1
fi
if ! wait "$round_pid"; then
  tail -40 var/demo-round.log; echo "demo: the round failed (see var/demo-round.log)" >&2; exit 1
fi
python - "$data_root" "$agency" "$fy" "$round" <<'PY'
import json, pathlib, sys
root, agency, fy, rnd = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
status = json.loads((pathlib.Path(root) / agency / fy / f"round-{rnd:02d}" / "status.json").read_text())
if status.get("state") != "published":
    sys.exit(f"demo: round ended in state {status.get('state')!r}, expected 'published'")
site = pathlib.Path(root) / "site" / agency / fy
print(f"-- round state: {status['state']}  ({status['label_th']})")
print(f"   completeness: {len(status['completeness']['due'])} of {len(status['completeness']['due'])} submissions in")
approval = status.get("approval") or {}
if approval:
    print(f"   approval:     {approval.get('decision')} by {approval.get('by')} at {approval.get('at')}: {approval.get('comment')}")
print(f"   report PDF:   {status['report']['path']}")
print(f"   covering memo PDF: {status['report']['memo_path']}")
plan = json.loads((pathlib.Path(root) / agency / fy / "plan" / "status.json").read_text())
print(f"-- yearly plan state: {plan['state']}")
print(f"   measures PDF:      {plan['measures']['path']}")
print(f"   approval memo PDF: {plan['memo']['path']}")
for doc in plan["published"]["documents"]:
    print(f"   published:    {site / doc['filename']}")
for doc in status["published"]["documents"]:
    print(f"   published:    {site / doc['filename']}")
print(f"   site page:    {site / 'index.html'}")
print(f"   status:       {pathlib.Path(root) / agency / fy / f'round-{rnd:02d}' / 'status.json'}")
PY
