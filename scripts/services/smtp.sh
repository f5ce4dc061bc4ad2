#!/usr/bin/env bash
# A real SMTP server (PyPI `aiosmtpd`) on 127.0.0.1:${ITA_SMTP_PORT:-8025} that delivers every message
# into a Maildir, for tests and demos of the mails sent to units.
#   scripts/services/smtp.sh start DIR     Maildir in DIR/maildir, pid in DIR/smtp.pid, log in DIR/smtp.log
#   scripts/services/smtp.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
port=${ITA_SMTP_PORT:-8025}
here=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/smtp.pid" ] && kill -0 "$(cat "$dir/smtp.pid")" 2>/dev/null; then exit 0; fi
  "$python" -c "import aiosmtpd" 2>/dev/null || { echo "smtp.sh: needs the PyPI package aiosmtpd" >&2; exit 1; }
  setsid "$python" -m aiosmtpd -n -u -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/maildir" \
    >"$dir/smtp.log" 2>&1 < /dev/null &
  echo $! > "$dir/smtp.pid"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
    kill -0 "$(cat "$dir/smtp.pid")" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/smtp.log" >&2
  echo "smtp.sh: aiosmtpd did not listen on 127.0.0.1:$port" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/smtp.pid" ]; then
    pid=$(cat "$dir/smtp.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/smtp.pid"
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
