#!/usr/bin/env python3
"""Generate N synthetic agencies (profiles, plans, OIT catalogues) and their units' submissions.

    scripts/generate_agencies.py N AGENCIES_DIR [--data-root DIR] [--no-approval] [--prefix synth]
    scripts/generate_agencies.py --long AGENCIES_DIR [--data-root DIR]

Each agency is the sample agency (include/agencies/mae-u-kho) under a made-up Thai name and its own
slug, site folder and unit mailboxes, with the same plan of measures.  With ``--data-root`` the sample
units' files of round 12 of 2565 are put into every agency's inbox, so a whole round can run.  For
load tests and benchmarks; the output passes ``ita-monitor validate``.

``--long`` writes instead one agency that stresses the documents (``tests/synthetic_agency.py``
``make_long_agency``): long unit names, two units on one measure, 10,000-character cells in its
round-12 submissions (``make previews`` renders it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_SLUG = "mae-u-kho"
TEMPLATE_NAME = "แม่อูคอ"
TEMPLATE_MAIL = "maeukho"
AGENCIES = ROOT / "include" / "agencies"
SAMPLES = ROOT / "include" / "sample_submissions" / TEMPLATE_SLUG
FIRST = ["หนอง", "ดอน", "ห้วย", "โคก", "ท่า", "วัง", "บ่อ", "นา", "แม่", "บ้าน"]
SECOND = ["แก้ว", "ทอง", "คำ", "งาม", "หลวง", "ใหม่", "สะอาด", "เจริญ", "ทราย", "ไผ่"]
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def thai_name(i: int) -> str:
    """A made-up place name, distinct for each i (e.g. หนองแก้ว๑๒)."""
    return FIRST[i % 10] + SECOND[(i // 10) % 10] + (str(i // 100).translate(THAI_DIGITS) if i >= 100 else "")


def generate(
    n: int, out: Path, data_root: Path | None = None, approval: bool = True, prefix: str = "synth"
) -> list[str]:
    """Write ``n`` agencies into ``out`` (an agencies directory, catalogue included); their slugs."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(AGENCIES / "catalogue", out / "catalogue", dirs_exist_ok=True)
    template = AGENCIES / TEMPLATE_SLUG
    slugs = []
    for i in range(n):
        slug = f"{prefix}-{i + 1:04d}"
        name = thai_name(i)
        target = out / slug
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(template, target)
        for f in target.rglob("*.yaml"):
            text = f.read_text(encoding="utf-8")
            text = (
                text.replace(TEMPLATE_SLUG, slug)
                .replace(TEMPLATE_NAME, name)
                .replace(TEMPLATE_MAIL, slug.replace("-", ""))
            )
            if f.name == "agency.yaml":
                lines = [ln for ln in text.splitlines() if not ln.startswith("approval:")]
                text = "\n".join(lines) + f"\napproval: {'true' if approval else 'false'}\n"
            f.write_text(text, encoding="utf-8")
        if data_root is not None:
            for round_dir in sorted(SAMPLES.glob("*/round-*")):
                inbox = data_root / slug / round_dir.parent.name / round_dir.name / "inbox"
                shutil.copytree(round_dir, inbox, dirs_exist_ok=True)
        slugs.append(slug)
    return slugs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("n", type=int, nargs="?", default=0, help="how many agencies")
    parser.add_argument("agencies_dir", type=Path, help="the agencies directory to write")
    parser.add_argument("--data-root", type=Path, help="a local data root: put the sample submissions in")
    parser.add_argument("--no-approval", action="store_true", help="publish without the approval step")
    parser.add_argument("--prefix", default="synth", help="slug prefix (slugs PREFIX-0001...)")
    parser.add_argument(
        "--long", action="store_true", help="one agency with long names and 10,000-character cells"
    )
    args = parser.parse_args(argv)
    if args.long:
        sys.path.insert(0, str(ROOT))
        from tests.synthetic_agency import make_long_agency

        slug = make_long_agency(args.agencies_dir, args.data_root)
        print(
            f"agency {slug} in {args.agencies_dir}"
            + (f", submissions in {args.data_root}" if args.data_root else "")
        )
        return 0
    slugs = generate(args.n, args.agencies_dir, args.data_root, not args.no_approval, args.prefix)
    print(
        f"{len(slugs)} agencies in {args.agencies_dir}"
        + (f", submissions in {args.data_root}" if args.data_root else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
