"""Publishing a round's documents to a local WordPress (targets: < 2 s; republishing unchanged < 0.5 s).

Starts a fresh WordPress with scripts/services/wordpress.sh (php -S on 127.0.0.1:8091, MariaDB on
127.0.0.1:3306), publishes the year's measures and the round report (real PDFs rendered once) as a new
agency several times, republishes each unchanged, prints the figures and drops the site.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRIPT = ROOT / "scripts" / "services" / "wordpress.sh"
REPEATS = 5


def _pdf(renderer, title: str, paragraphs: int) -> bytes:
    body = "".join(
        f"<p>มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน ข้อ {i} ผลการดำเนินการ</p>" for i in range(paragraphs)
    )
    return renderer.pdf(f"<html><body><h1>{title}</h1>{body}</body></html>")


def main() -> int:
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import RoundJob
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.publish.base import Document
    from ita_monitor.publish.factory import Remote, publisher_for
    from ita_monitor.publish.record import publish_documents

    if not shutil.which("php") or not Path("/usr/share/wordpress/wp-settings.php").exists():
        print("bench_publish: needs Debian packages wordpress php-cli php-mysql; skipped")
        return 0
    renderer = Renderer()
    measures = _pdf(renderer, "มาตรการส่งเสริมคุณธรรมและความโปร่งใส ปี ๒๕๖๕", 60)
    report = _pdf(renderer, "รายงานผลการดำเนินการ รอบ ๑๒ เดือน", 120)
    state = ROOT / "var" / f"bench-wordpress-{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    first, again = [], []
    try:
        subprocess.run([SCRIPT, "start", state], check=True)
        password = (state / "app-password").read_text().strip()

        def session() -> requests.Session:
            s = requests.Session()
            s.auth = ("ita-admin", password)
            return s

        for i in range(REPEATS + 1):  # the first round warms PHP's opcode cache up and is not counted
            slug = f"bench-{i}"
            agencies = work / f"agencies-{i}"
            shutil.copytree(ROOT / "include" / "agencies" / "catalogue", agencies / "catalogue")
            shutil.copytree(ROOT / "include" / "agencies" / "mae-u-kho", agencies / slug)
            profile = agencies / slug / "agency.yaml"
            text = profile.read_text(encoding="utf-8").split("\npublish:")[0]
            profile.write_text(
                text
                + f"\npublish:\n  target: wordpress\n  conn_id: bench\n  page_slug: oit-{{fiscal_year}}-{slug}\n",
                encoding="utf-8",
            )
            job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(work / f"data-{i}"))
            docs = [
                Document("measures", "measures", "มาตรการ ปี ๒๕๖๕", "ita-2565-measures.pdf", measures),
                Document(
                    "round-12", "round_report", "รายงาน รอบ ๑๒ เดือน", "ita-2565-round-12-report.pdf", report
                ),
            ]
            timings = []
            for _ in range(2):
                start = time.perf_counter()
                publisher = publisher_for(
                    job.agency, job.data, renderer, Remote("http://127.0.0.1:8091", session)
                )
                publish_documents(job, publisher, docs)
                timings.append(time.perf_counter() - start)
            if i:
                first.append(timings[0])
                again.append(timings[1])
    finally:
        subprocess.run([SCRIPT, "drop", state], check=False)
        shutil.rmtree(work, ignore_errors=True)
    size = (len(measures) + len(report)) // 1024
    print(
        f"publish a round's documents to WordPress (2 PDFs, {size} KiB, new media + new page), {REPEATS} runs:"
    )
    print(f"  median {statistics.median(first):.3f} s, max {max(first):.3f} s   (target < 2 s)")
    print("republish unchanged (lookups only: no upload, no page update):")
    print(f"  median {statistics.median(again):.3f} s, max {max(again):.3f} s   (target < 0.5 s)")
    ok = max(first) < 2 and max(again) < 0.5
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
