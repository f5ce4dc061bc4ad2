"""Outgoing mail built as servers expect it (pure: the message object, no server)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from ita_monitor.intake.mailout import XLSX, Body, content_type, domain_of, message, render


def test_a_form_mail_has_its_id_date_text_part_and_a_typed_workbook():
    body = render(
        "form",
        title="t",
        unit_th="กองคลัง",
        agency_th="เทศบาลตำบลหนองบัวทอง",
        round_th="รอบ ๖ เดือน (ตุลาคม ๒๕๖๗ – มีนาคม ๒๕๖๘)",
        due_th="15 เมษายน 2568",
        measures=[("M1", "เปิดเผยข้อมูล <script>")],
        mail_in="ita@nbt.go.th",
        extras=[],
        link="https://ita.example/ita/u/abc?x=1&y=2",
    )
    assert "&lt;script&gt;" in body.html and "<script>" not in body.html  # autoescaped
    assert "ภายในวันที่ ๑๕ เมษายน ๒๕๖๘" in body.html and "ภายในวันที่ ๑๕ เมษายน ๒๕๖๘" in body.text
    assert 'href="https://ita.example/ita/u/abc?x=1&amp;y=2"' in body.html
    assert "https://ita.example/ita/u/abc?x=1&y=2" in body.text and "<" not in body.text.replace(
        "<script>", ""
    )
    msg = message(
        from_addr="ita@nbt.go.th",
        to=["finance@nbt.go.th"],
        subject="แบบรายงานผล รอบ ๖ เดือน",
        body=body,
        domain=domain_of("ita@nbt.go.th"),
        reply_to="ita@nbt.go.th",
        attachments=[("ita-2568-round-06-finance.xlsx", b"PK\x03\x04form")],
        date=datetime(2025, 4, 1, 2, 0, tzinfo=UTC),
    )
    back = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert back["Message-ID"].startswith("<") and back["Message-ID"].endswith("@nbt.go.th>")
    assert back["Date"] == "Tue, 01 Apr 2025 02:00:00 +0000"
    assert back.get_content_type() == "multipart/mixed"
    alt = back.get_payload()[0]
    assert alt.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alt.get_payload()] == ["text/plain", "text/html"]  # HTML preferred
    (att,) = [p for p in back.walk() if p.get_filename()]
    assert att.get_content_type() == XLSX and att.get_payload(decode=True) == b"PK\x03\x04form"
    assert str(back["Subject"]) == "แบบรายงานผล รอบ ๖ เดือน"


def test_a_long_thai_subject_keeps_every_space_when_folded():
    """Python 3.11's default policy loses the space between folded encoded words (RFC 2047)."""
    import email.header

    subject = "แจ้งเตือน: ยังไม่ได้รับรายงานผล รอบ ๑ เดือน ปี ๒๕๗๐ – กองทดสอบที่ 0 (ครบกำหนด ๙ ธันวาคม ๒๕๖๙)"
    msg = message(
        from_addr="a@b.example",
        to=["c@d.example"],
        subject=subject,
        body=Body("<p>x</p>", "x"),
        domain="b.example",
    )
    raw = msg.as_bytes()
    back = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(back["Subject"]) == subject
    assert str(email.header.make_header(email.header.decode_header(back["Subject"]))) == subject


def test_a_reply_threads_on_the_units_message():
    msg = message(
        from_addr="ita@nbt.go.th",
        to=["u@x.example"],
        subject="[ITA] ได้รับแล้ว / accepted: Re: ส่งผล",
        body=Body("<p>x</p>", "x\n"),
        domain="nbt.go.th",
        in_reply_to="<u-1@x.example>",
        references="<form-1@nbt.go.th>",
    )
    assert msg["In-Reply-To"] == "<u-1@x.example>"
    assert msg["References"] == "<form-1@nbt.go.th> <u-1@x.example>"
    assert msg["Auto-Submitted"] == "auto-replied"


def test_attachments_carry_their_real_type():
    assert content_type("a.XLSX") == XLSX
    assert content_type("a.pdf") == "application/pdf"
    assert content_type("noext") == "application/octet-stream"
