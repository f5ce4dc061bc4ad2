#!/usr/bin/env bash
# A real static web server (Debian `nginx`) on 127.0.0.1:${ITA_NGINX_PORT:-8092} serving a folder, for
# checking over HTTP what the sftp target put in the web server's document root.
#   scripts/services/nginx.sh start DIR DOCROOT   config, pid, logs and temp files in DIR
#   scripts/services/nginx.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
port=${ITA_NGINX_PORT:-8092}

case "$cmd" in
start)
  docroot=${3:?document root}
  mkdir -p "$dir/tmp"
  dir=$(cd "$dir" && pwd)
  docroot=$(cd "$docroot" && pwd)
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then exit 0; fi
  [ -x /usr/sbin/nginx ] || { echo "nginx.sh: needs Debian package nginx" >&2; exit 1; }
  # As root, workers run as root too, so the document root need not be world-readable.
  user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
  cat > "$dir/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  charset utf-8;
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $docroot;
    index index.html;
    etag on;
  }
}
CONF
  # Output to a file: the daemon would otherwise keep the caller's pipes open.
  /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/start.log" 2>&1 < /dev/null \
    || { cat "$dir/start.log" >&2; exit 1; }
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
    sleep 0.1
  done
  cat "$dir/error.log" >&2
  echo "nginx.sh: nginx did not listen on 127.0.0.1:$port" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/nginx.pid" ]; then
    pid=$(cat "$dir/nginx.pid")
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/nginx.pid"
  fi
  ;;
*) echo "usage: $0 start|stop DIR DOCROOT" >&2; exit 2 ;;
esac
