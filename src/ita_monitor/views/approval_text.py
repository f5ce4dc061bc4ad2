"""What the approver reads in Airflow's approval form (markdown): the round's completeness or the
year's measures, the PDFs with their pages, the self-check before approval."""

from __future__ import annotations

from ita_monitor.model.agency import Agency
from ita_monitor.model.plan import Plan
from ita_monitor.model.status import SelfCheckRecord
from ita_monitor.model.thai import thai_digits
from ita_monitor.views.pdf_files import FileLink
from ita_monitor.views.round_detail import RoundDetail


def approval_summary(detail: RoundDetail, files_url: str) -> str:
    """Markdown shown to the approver: completeness, the PDFs with their pages, links."""
    comp = detail.completeness
    due = len(comp.due)
    gaps = len(comp.gaps)
    lines = [
        f"**{detail.agency_name_th}** — {detail.rnd.label_th} ปีงบประมาณ {thai_digits(detail.rnd.fiscal_year)}",
        "",
        f"- ความครบถ้วน / completeness: {due - gaps} / {due}" + (" ✔" if due and not gaps else ""),
    ]
    lines += _link_lines(detail.reports, files_url)
    lines += selfcheck_lines(detail.status.selfcheck)
    lines.append("")
    lines.append(
        "อนุมัติ = เผยแพร่ขึ้นเว็บไซต์ / Approve = publish; ไม่อนุมัติ = ไม่เผยแพร่ / Reject = nothing is published"
    )
    return "\n".join(lines)


def selfcheck_lines(entry: SelfCheckRecord | None) -> list[str]:
    """Markdown lines of the self-check before approval: passed (per document: pages, characters,
    fonts, PDF/A, links) or failed (each finding: document, page, expected, found)."""
    head = "- ตรวจเอกสารก่อนอนุมัติ / self-check:"
    if entry is None:
        return [f"{head} ยังไม่ได้ตรวจ (เอกสารจัดทำก่อนมีการตรวจ) / not run (rendered before the self-check)"]
    return _result_lines(entry, head) + flag_lines(entry)


def flag_lines(entry: SelfCheckRecord | None) -> list[str]:
    """Markdown lines of what the approver decides (an OIT code of an unverified catalogue)."""
    flags = entry.flagged() if entry is not None else []
    if not flags:
        return []
    return [
        "- ⚠ **ตรวจก่อนอนุมัติ / decide before approving**: รหัส OIT จากบัญชีรายการที่ยังไม่ได้ตรวจสอบ"
        " / OIT code from an unverified catalogue — เทียบกับคู่มือ ITA ของปีนั้น / compare with that year's ITA manual",
        *(f"  - {line}" for line in flags),
    ]


def _result_lines(entry: SelfCheckRecord, head: str) -> list[str]:
    if entry.ok:
        parts = [
            f"{name} {thai_digits(d.pages)} หน้า, {thai_digits(d.characters)} ตัวอักษรตรงครบ, ฟอนต์ฝังครบ, PDF/A,"
            f" ลิงก์ {thai_digits(d.links)}"
            f" / {d.pages} pages, {d.characters} characters back exactly, fonts embedded, PDF/A, {d.links} links"
            for name, d in entry.documents.items()
        ]
        return [f"{head} ผ่าน / passed ✔", *(f"  - {p}" for p in parts)]
    return [
        f"{head} **ไม่ผ่าน / failed ✘** — อนุมัติไม่ได้จนกว่าจะแก้ / approval is blocked until fixed",
        *(f"  - {line}" for line in entry.blocking()),
    ]


def _link_lines(files: list[FileLink], files_url: str) -> list[str]:
    """A markdown list item per PDF: its link and its number of pages."""
    return [
        f"- [{f.label}]({files_url.rstrip('/')}/{f.path})" + (f", {f.pages} หน้า / pages" if f.pages else "")
        for f in files
    ]


def plan_approval_summary(
    agency: Agency,
    plan: Plan,
    files: list[FileLink],
    files_url: str,
    selfcheck: SelfCheckRecord | None = None,
) -> str:
    """Markdown shown to the approver of the yearly measures: the plan, its PDFs with pages, links.

    The measures are the executive's decision: they are published once the approval memo is signed.
    """
    lines = [
        f"**{agency.name_th}** — มาตรการส่งเสริมคุณธรรมและความโปร่งใส ปีงบประมาณ {thai_digits(plan.fiscal_year)}",
        "",
        f"- มาตรการ / measures: {len(plan.measures)}",
        *_link_lines(files, files_url),
        *selfcheck_lines(selfcheck),
    ]
    lines += [
        "",
        "อนุมัติเมื่อผู้บริหารลงนามในบันทึกข้อความแล้ว / Approve once the executive has signed the approval memo.",
        "อนุมัติ = เผยแพร่มาตรการขึ้นเว็บไซต์ / Approve = publish the measures; "
        "ไม่อนุมัติ = ไม่เผยแพร่ / Reject = nothing is published",
    ]
    return "\n".join(lines)
