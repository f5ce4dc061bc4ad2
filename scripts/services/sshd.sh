#!/usr/bin/env bash
# A real sshd (Debian `openssh-server`) on 127.0.0.1:${ITA_SSH_PORT:-2222} for the sftp tests: SFTP only,
# key auth only, one local user (${ITA_SFTP_USER:-ita-sftp}, created if missing, no password, no shell).
#   scripts/services/sshd.sh start DIR [DOCROOT]   keys and config in DIR; the user owns DOCROOT
#                                                  (default DIR/www); client key: DIR/id_ed25519
#   scripts/services/sshd.sh stop DIR              stop sshd (keys, config and DOCROOT are kept)
# DIR and its parents must be world-traversable: sshd reads DIR/authorized_keys as the user.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
port=${ITA_SSH_PORT:-2222}
user=${ITA_SFTP_USER:-ita-sftp}

running() { [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; }

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  docroot=${3:-$dir/www}
  running && exit 0
  [ -x /usr/sbin/sshd ] || { echo "sshd.sh: needs Debian package openssh-server" >&2; exit 1; }
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
  fi
  usermod -p '*' "$user"  # useradd leaves the account locked; '*' = no password, but not locked
  mkdir -p /run/sshd "$docroot"
  chown "$user" "$docroot"
  chmod 755 "$dir" "$docroot"
  [ -f "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
  [ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C ita-monitor-test -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  chmod 644 "$dir/authorized_keys"
  cat > "$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
AllowUsers $user
AllowTcpForwarding no
X11Forwarding no
Subsystem sftp internal-sftp -u 022
ForceCommand internal-sftp -u 022 -d $docroot
CONF
  /usr/sbin/sshd -t -f "$dir/sshd_config"
  setsid /usr/sbin/sshd -D -e -f "$dir/sshd_config" > "$dir/sshd.log" 2>&1 < /dev/null &
  echo $! > "$dir/sshd.pid"
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
    running || break
    sleep 0.1
  done
  cat "$dir/sshd.log" >&2
  echo "sshd.sh: sshd did not listen on 127.0.0.1:$port" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/sshd.pid" ]; then
    pid=$(cat "$dir/sshd.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/sshd.pid"
  fi
  ;;
*) echo "usage: $0 start|stop DIR [DOCROOT]" >&2; exit 2 ;;
esac
