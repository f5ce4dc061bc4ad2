"""The answer to a unit's mail (mail-in), in Thai and English, from ``templates/mail/reply.*.j2``:
what was accepted, taken late, or every problem and its fix; for the form of a round that is over,
which round is open now.  Built from ``mailin.Outcome`` and sent later by the Airflow layer."""

from __future__ import annotations

from email.utils import getaddresses, parseaddr

from ita_monitor.model.agency import Agency
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import thai_digits


def reply_address(msg) -> str:
    reply_to = getaddresses([str(msg.get("Reply-To", ""))])
    address = (
        reply_to[0][1]
        if reply_to and reply_to[0][1]
        else parseaddr(str(msg.get("From", "")))[1].strip().lower()
    )
    return address.strip()


def round_th_en(fiscal_year: int, months: int) -> tuple[str, str]:
    rnd = Round(fiscal_year, months)
    return (
        f"ปีงบประมาณ {thai_digits(fiscal_year)} {rnd.short_label_th}",
        f"FY {fiscal_year} round {months} months",
    )


def why_stale(stale: dict, waiting: Round | None) -> str:
    form_th, form_en = round_th_en(stale["fiscal_year"], stale["months"])
    if waiting is None:
        now_th, now_en = "ไม่มีรอบที่เปิดรับอยู่", "no round is open now"
    else:
        cur_th, cur_en = round_th_en(waiting.fiscal_year, waiting.months)
        now_th, now_en = f"รอบปัจจุบันคือ {cur_th}", f"the current round is {cur_en}"
    return (
        f"เป็นแบบฟอร์มของ{form_th} ซึ่งปิดแล้ว {now_th}: เก็บไว้ ไม่ได้นำเข้า"
        f" / this is the form of {form_en}, which is over; {now_en}: kept, not taken in"
    )


def _problem_lines(problems: list[dict]) -> list[dict]:
    return [{"file": p["file"], "where": p.get("where", ""), "th": p["th"], "en": p["en"]} for p in problems]


def _file_view(agency: Agency, f, waiting: Round | None) -> dict:
    """What the reply says about one file (``mail/reply.*.j2``)."""
    view: dict = {"name": f.name, "late": f.late}
    if f.stale:
        view["kind"] = "stale"
        view["form_th"], view["form_en"] = round_th_en(f.stale["fiscal_year"], f.stale["months"])
        view["current_th"], view["current_en"] = (
            round_th_en(waiting.fiscal_year, waiting.months) if waiting else ("", "")
        )
        return view
    if f.matched is None:
        view["kind"] = "unmatched"
        return view
    m = f.matched
    rnd = Round(m["fiscal_year"], m["months"])
    errors = [p for p in f.problems if p["severity"] == "error"]
    view.update(
        kind="accepted" if f.accepted else "problems",
        unit=m["unit"],
        unit_th=agency.unit(m["unit"]).name_th,
        round_th=rnd.label_th,
        fiscal_year=rnd.fiscal_year,
        months=rnd.months,
        version=f.version,
        new_version=f.new_version,
        rows=f.rows,
        errors=_problem_lines(errors),
        warnings=_problem_lines([p for p in f.problems if p["severity"] != "error"]),
        missing=f.missing,
    )
    return view


def build_reply(agency: Agency, msg, outcome, waiting: Round | None = None) -> dict:
    """The answer to the sender, in Thai and English (``mail/reply.*.j2``): what was accepted, late,
    or every problem and its fix; for the form of a round that is over, which round is open now."""
    from ita_monitor.intake.mailout import render

    files = [_file_view(agency, f, waiting) for f in outcome.files]
    if outcome.state == "quarantined":
        state_th, state_en = "แบบฟอร์มของรอบที่ปิดแล้ว", "the form of a closed round"
    elif outcome.state == "accepted" and any(f.late for f in outcome.files):
        state_th, state_en = "ได้รับหลังกำหนด", "received late"
    elif outcome.state == "accepted":
        state_th, state_en = "ได้รับแล้ว", "accepted"
    else:
        state_th, state_en = "มีปัญหาที่ต้องแก้", "problems found"
    subject = str(msg.get("Subject", "")).strip()
    subject = f"[ITA] {state_th} / {state_en}: " + (
        subject if subject.lower().startswith("re:") else f"Re: {subject}"
    )
    body = render("reply", title=subject, agency_th=agency.name_th, files=files)
    return {
        "to": reply_address(msg),
        "subject": subject,
        "html": body.html,
        "text": body.text,
        "in_reply_to": outcome.message_id,
        # the thread so far: the unit's References, else what it answered (RFC 5322 3.6.4)
        "references": " ".join(str(msg.get("References", "") or msg.get("In-Reply-To", "")).split()),
        "sent_at": "",
    }
