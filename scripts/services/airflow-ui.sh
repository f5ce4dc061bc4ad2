#!/usr/bin/env bash
# A real Airflow for trying the ITA page by hand (the tests use tests/airflow/scheduler_cluster.py):
# api-server on 127.0.0.1:${AIRFLOW__API__PORT},
# scheduler (LocalExecutor), dag-processor and triggerer (mail-in and the wait for submissions defer to it),
# all in one process group of their own.
#   scripts/services/airflow-ui.sh start DIR   logs and pgid in DIR; AIRFLOW_HOME and AIRFLOW__* from the caller
#   scripts/services/airflow-ui.sh stop DIR    stops the whole process group
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
here=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$here/.venv/bin:$PATH"   # Airflow starts its parts as plain `airflow`
port=${AIRFLOW__API__PORT:?set AIRFLOW__API__PORT}
host=${AIRFLOW__API__HOST:-127.0.0.1}

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/airflow.pgid" ] && kill -0 -- "-$(cat "$dir/airflow.pgid")" 2>/dev/null; then exit 0; fi
  ita-monitor dags sync >"$dir/dags-sync.log"   # the agencies' DAG files for [ita] agencies_dir
  # setsid: a new session and process group, so stop can end every part (and their workers) at once
  setsid bash -c "
    airflow api-server --host '$host' --port '$port' --workers 1 >'$dir/api-server.log' 2>&1 &
    airflow scheduler >'$dir/scheduler.log' 2>&1 &
    airflow dag-processor >'$dir/dag-processor.log' 2>&1 &
    airflow triggerer >'$dir/triggerer.log' 2>&1 &
    wait" </dev/null >/dev/null 2>&1 &
  echo $! > "$dir/airflow.pgid"
  for _ in $(seq 1 240); do
    curl -fsS "http://$host:$port/api/v2/monitor/health" >/dev/null 2>&1 && exit 0
    kill -0 "$(cat "$dir/airflow.pgid")" 2>/dev/null || break
    sleep 0.5
  done
  tail -30 "$dir/api-server.log" >&2 || true
  echo "airflow-ui.sh: the api-server did not answer on http://$host:$port" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/airflow.pgid" ]; then
    pgid=$(cat "$dir/airflow.pgid")
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
    rm -f "$dir/airflow.pgid"
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
