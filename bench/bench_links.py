"""Link health: checking ITA_BENCH_LINK_AGENCIES (default 200) agencies x 20 links against a local
nginx (target at 200 agencies: under 60 s, with at most N connections to the host; N =
BENCH_LINKS_PER_HOST, default 2 and 8), and the CPU it costs.  7,850 agencies are 157,000 links.

Starts nginx with scripts/services/nginx.sh on 127.0.0.1:${ITA_NGINX_PORT:-8097} serving PDF-sized
files (40 KiB each; every agency's 20 files are hard links to the same 20, so 7,850 agencies fit on a
disk), checks every one as the link DAG does (GET following redirects, sha256 of the body compared
with the approved one), and prints wall time, CPU of this process (user + system), the most
connections open at once to the host, and the states.  All agencies share one host here, so the
per-host rate limit is off (``rate_per_host = 0``); on real sites each agency is its own host.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRIPT = ROOT / "scripts" / "services" / "nginx.sh"
AGENCIES, LINKS = int(os.environ.get("ITA_BENCH_LINK_AGENCIES", "200")), 20
SIZE = 40 * 1024
PORT = os.environ.get("ITA_NGINX_PORT", "8097")


def main() -> int:
    from ita_monitor.links.checker import CheckSettings, HostStats, check_async
    from ita_monitor.links.targets import Link

    if not Path("/usr/sbin/nginx").exists():
        print("bench_links: needs Debian package nginx; skipped")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-links-"))
    work.chmod(0o755)
    docroot = work / "www"
    links = []
    shared = docroot / "shared"
    shared.mkdir(parents=True)
    digests = []
    for i in range(LINKS):
        data = (f"%PDF-1.4 document {i}\n".encode() * (SIZE // 16))[:SIZE]
        (shared / f"doc-{i:02d}.pdf").write_bytes(data)
        digests.append(hashlib.sha256(data).hexdigest())
    for a in range(AGENCIES):
        folder = docroot / f"agency-{a:03d}" / "2569"
        folder.mkdir(parents=True)
        for i in range(LINKS):
            os.link(shared / f"doc-{i:02d}.pdf", folder / f"doc-{i:02d}.pdf")
            links.append(
                Link(
                    id=f"document:{a}-{i}",
                    kind="document",
                    url=f"http://127.0.0.1:{PORT}/agency-{a:03d}/2569/doc-{i:02d}.pdf",
                    oit_item="O1",
                    label="",
                    sha256=digests[i],
                )
            )
    env = {**os.environ, "ITA_NGINX_PORT": PORT}
    try:
        subprocess.run([SCRIPT, "start", work / "nginx", docroot], check=True, env=env)
        per_host = [int(n) for n in os.environ.get("BENCH_LINKS_PER_HOST", "2,8").split(",")]
        for n in per_host:
            settings = CheckSettings(timeout=20, slow=5, per_host=n, rate_per_host=0)
            stats: dict[str, HostStats] = {}
            before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            outcomes = asyncio.run(check_async(links, settings, stats))
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            states = Counter(o.state for o in outcomes.values())
            host = next(iter(stats.values()))
            print(
                f"{AGENCIES} agencies x {LINKS} links = {len(links)} links, N={n} connections per host: "
                f"{wall:.1f} s (target < 60 s), {len(links) / wall:.0f} links/s, "
                f"CPU {cpu:.1f} s ({100 * cpu / wall:.0f}% of one core), "
                f"at most {host.max_in_flight} at once, states {dict(states)}"
            )
            if states.get("ok") != len(links) or host.max_in_flight > n:
                print("bench_links: unexpected result")
                return 1
    finally:
        subprocess.run([SCRIPT, "stop", work / "nginx"], capture_output=True, env=env)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
