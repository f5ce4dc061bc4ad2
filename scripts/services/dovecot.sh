#!/usr/bin/env bash
# A real IMAP server (Debian `dovecot-imapd`) on 127.0.0.1:${ITA_IMAP_PORT:-1143}: the agencies' ITA
# mailboxes for tests, benchmarks and demos of mail-in.  No TLS, no root port, users from a file, mail
# in Maildirs under DIR/mail/<user>, run as the `dovecot` system user.
#   scripts/services/dovecot.sh start DIR [USER:PASSWORD ...]   config DIR/dovecot.conf, pid DIR/run/master.pid,
#                                                               log DIR/dovecot.log (default user
#                                                               ita@example.test:secret)
#   scripts/services/dovecot.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
port=${ITA_IMAP_PORT:-1143}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

case "$cmd" in
start)
  shift 2
  command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] || {
    echo "dovecot.sh: needs the Debian package dovecot-imapd" >&2
    exit 1
  }
  dovecot=$(command -v dovecot || echo /usr/sbin/dovecot)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null; then exit 0; fi
  mkdir -p "$dir/run/state" "$dir/mail"
  users=("$@")
  [ ${#users[@]} -gt 0 ] || users=("ita@example.test:secret")
  : > "$dir/users"
  for u in "${users[@]}"; do
    printf '%s:{PLAIN}%s\n' "${u%%:*}" "${u#*:}" >> "$dir/users"
  done
  cat > "$dir/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/run/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
# the dovecot system user has a uid below the packaged first_valid_uid (500)
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$dir/mail/%u
}
EOF
  chown -R dovecot:dovecot "$dir/mail"
  # the folders above the mail must be traversable by the dovecot user
  p="$dir"
  while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
  chmod o+r "$dir/users"
  # dovecot daemonizes: its output goes to a file, so callers that read ours are not held open
  if ! "$dovecot" -c "$dir/dovecot.conf" </dev/null >"$dir/start.log" 2>&1; then
    cat "$dir/start.log" >&2
    exit 1
  fi
  for _ in $(seq 1 100); do
    port_open && exit 0
    sleep 0.1
  done
  cat "$dir/start.log" "$dir/dovecot.log" >&2 2>/dev/null || true
  echo "dovecot.sh: dovecot did not listen on 127.0.0.1:$port" >&2
  exit 1
  ;;
stop)
  dir=$(cd "$dir" 2>/dev/null && pwd) || exit 0
  if [ -f "$dir/run/master.pid" ]; then
    pid=$(cat "$dir/run/master.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/run/master.pid"
  fi
  for _ in $(seq 1 100); do port_open || exit 0; sleep 0.1; done
  echo "dovecot.sh: 127.0.0.1:$port still open" >&2
  exit 1
  ;;
*)
  echo "usage: $0 start DIR [USER:PASSWORD ...] | stop DIR" >&2
  exit 2
  ;;
esac
