"""Round data for the year and many-agency views: real rounds run by the pipeline over sample files.

Units' files are put in the inbox and kept as versions by ``intake`` exactly as a round does; the
receipt time of each unit's versions is then set in the manifest (as if the files had come in on that
day), before ``pipeline.collect`` and ``check_round`` write collected.json and status.json from it.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from ita_monitor.flow.pipeline import RoundIncomplete, RoundJob, check_round, collect
from ita_monitor.intake.inbox import receive_inbox
from ita_monitor.intake.versions import manifest_path
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import BANGKOK, Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import ROOT, SAMPLES

# unit -> when its file came in (Bangkok); absent units sent nothing
SAMPLE_YEAR: dict[int, dict[str, datetime]] = {
    # round 6: last day to submit 15 April 2565 (2022)
    6: {
        "palad": datetime(2022, 4, 10, 9, 0, tzinfo=BANGKOK),
        "pr": datetime(2022, 4, 19, 14, 30, tzinfo=BANGKOK),  # 4 days late
    },
    # round 12: last day to submit 15 October 2565 (2022)
    12: {
        "palad": datetime(2022, 10, 3, 10, 0, tzinfo=BANGKOK),
        "finance": datetime(2022, 10, 15, 23, 59, tzinfo=BANGKOK),  # on the last day
        "pr": datetime(2022, 10, 22, 8, 15, tzinfo=BANGKOK),  # 7 days late
    },
}


def run_round(
    agencies: AgenciesDir,
    data: Path,
    slug: str,
    rnd: Round,
    arrivals: dict[str, datetime],
    sample_slug: str = "mae-u-kho",
) -> dict:
    """Put the sample files of ``arrivals``' units into the round's inbox, arriving at those times,
    then collect and check the round; its status.json."""
    src = SAMPLES / sample_slug / "2565" / "round-12"
    inbox = data / slug / str(rnd.fiscal_year) / rnd.slug / "inbox"
    for unit in arrivals:
        shutil.copytree(src / unit, inbox / unit, dirs_exist_ok=True)
    root = DataRoot(data)
    receive_inbox(root, slug, rnd)
    path = Path(str(manifest_path(root, slug, rnd)))
    if path.exists():
        doc = json.loads(path.read_text(encoding="utf-8"))
        for v in doc["versions"]:
            v["received_at"] = arrivals[v["unit"]].isoformat(timespec="seconds")
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    job = RoundJob.load(agencies, slug, rnd, root)
    collect(job)
    try:
        check_round(job)
    except RoundIncomplete:
        pass
    return json.loads((data / slug / str(rnd.fiscal_year) / rnd.slug / "status.json").read_text())


def sample_year(agencies_dir: Path, data: Path, slug: str = "mae-u-kho") -> None:
    agencies = AgenciesDir(agencies_dir)
    for months, arrivals in SAMPLE_YEAR.items():
        run_round(agencies, data, slug, Round(2565, months), arrivals)


DISTRICTS = ["ขุนยวม", "ปาย", "เมืองแม่ฮ่องสอน"]


def province(agencies_dir: Path, data: Path, n: int = 6) -> list[str]:
    """``n`` generated agencies (scripts/generate_agencies.py) in three districts, whose rounds 6 and 12
    of 2565 ran with different units in and out: agency i lacks ``i % 3`` units' files in round 12
    and sends round 6 ``i`` days after its last day.  Their slugs."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from generate_agencies import generate

    slugs = generate(n, agencies_dir, prefix="prov")
    agencies = AgenciesDir(agencies_dir)
    for i, slug in enumerate(slugs):
        path = agencies_dir / slug / "agency.yaml"
        text = path.read_text(encoding="utf-8").replace("district: ขุนยวม", f"district: {DISTRICTS[i % 3]}")
        path.write_text(text, encoding="utf-8")
        units = ["palad", "finance", "pr"]
        on_time = datetime(2022, 10, 12, 9, 0, tzinfo=BANGKOK)
        run_round(agencies, data, slug, Round(2565, 12), {u: on_time for u in units[: 3 - i % 3]})
        late = datetime(2022, 4, 15, 13, 0, tzinfo=BANGKOK) + timedelta(days=i)
        run_round(agencies, data, slug, Round(2565, 6), {u: late for u in units})
    return slugs
