"""Every message a person reads, by code: code -> (Thai, English).

One catalogue for the ITA page's messages (redirects carry ``?m=<code>&n=<number>``), the refusals of a
unit's link and the refusals of an upload, and the command line's own lines, so a code means one text
everywhere and a translation is changed in one place.  ``{n}`` is a number the app put in the query
string itself; the command line's ``{names}`` are filled in by ``said``.  The labels of what people see
states of are here too: a round's or plan's ``State`` (``STATES``), a link's (``LINK_STATES``), a cell
of the round's measure x unit matrix (``CELLS``).  A problem in a file is said where it is found.
``{who}`` and ``{at}`` name who holds a claim (``flow.claims``) and since when, read from the claim.
"""

from __future__ import annotations

# the ITA page: outcomes of an action, and why a request was refused
PAGE: dict[str, tuple[str, str]] = {
    "approved": ("อนุมัติแล้ว", "approved"),
    "rejected": ("ไม่อนุมัติ บันทึกเหตุผลแล้ว", "rejected; the reason is recorded"),
    "reason_needed": ("บอกเหตุผลที่ไม่อนุมัติ", "say why you reject"),
    "selfcheck_failed": (
        "เอกสารรายงานไม่ผ่านการตรวจก่อนอนุมัติ จึงยังไม่อนุมัติและไม่เผยแพร่: แก้ข้อมูลแล้วสั่งรันใหม่ (ผลการตรวจอยู่ด้านล่าง)",
        "the report failed the self-check before approval, so it is neither approved nor published: fix the "
        "input and rerun (the findings are below)",
    ),
    "rerun": ("สั่งรันใหม่แล้ว ({n} งาน)", "rerun requested: {n} task(s) cleared"),
    "already_rerunning": (
        "รอบนี้กำลังรันใหม่อยู่แล้ว ไม่ต้องกดอีก",
        "this round is already being rerun: nothing more to do",
    ),
    "already_approved": (
        "มีผู้ตอบคำขออนุมัตินี้ไปแล้ว: อนุมัติโดย {who} เมื่อ {at} คำตอบของคุณจึงไม่ได้บันทึก",
        "already approved by {who} at {at}: your answer was not recorded",
    ),
    "already_rejected": (
        "มีผู้ตอบคำขออนุมัตินี้ไปแล้ว: ไม่อนุมัติโดย {who} เมื่อ {at} คำตอบของคุณจึงไม่ได้บันทึก",
        "already rejected by {who} at {at}: your answer was not recorded",
    ),
    "not_asked": (
        "ตอนนี้ไม่มีคำขออนุมัติที่รอคำตอบ: โหลดหน้านี้ใหม่",
        "nothing is waiting for approval now: reload the page",
    ),
    "check_started": ("สั่งตรวจลิงก์แล้ว", "link check started"),
    "repair_started": ("สั่งซ่อมแล้ว จะตรวจซ้ำเมื่อเสร็จ", "repair started, then a new check"),
    "api_error": (
        "Airflow ตอบ HTTP {n}: ทำไม่สำเร็จ ดูรายละเอียดในหน้า Airflow",
        "Airflow answered {n}: not done; see the run in Airflow",
    ),
    "form_expired": (
        "ฟอร์มหมดอายุ: โหลดหน้านี้ใหม่แล้วทำอีกครั้ง",
        "the form has expired: reload the page and try again",
    ),
    "form_invalid": (
        "ฟอร์มไม่ได้มาจากหน้านี้หรือถูกแก้ไข: โหลดหน้านี้ใหม่แล้วทำอีกครั้ง",
        "the form did not come from this page or was changed: reload the page and try again",
    ),
    "origin": (
        "คำขอนี้ไม่ได้มาจากหน้าของระบบนี้ จึงไม่ดำเนินการ",
        "this request did not come from this site's own page, so nothing was done",
    ),
    "rate_limited": (
        "ส่งคำขอถี่เกินไป: รอ {n} วินาทีแล้วลองใหม่",
        "too many requests: wait {n} seconds and try again",
    ),
    "bad_request": ("คำขอไม่ถูกต้อง: โหลดหน้านี้ใหม่แล้วทำอีกครั้ง", "bad request: reload the page and try again"),
    "no_file": ("ยังไม่ได้เลือกไฟล์", "no file was chosen"),
    "received": ("รับไฟล์แล้ว ผลการตรวจไฟล์นี้อยู่ด้านล่าง", "file received: its outcome is below"),
    "no_secret": (
        "ยังใช้ลิงก์ไม่ได้ เพราะผู้ดูแลระบบยังไม่ได้ตั้งกุญแจลับ ([ita] link_secret)",
        "links cannot be used yet: the admin has not set the secret key ([ita] link_secret)",
    ),
    "run_started": (
        "เริ่มรันรอบนี้แล้ว (ดูความคืบหน้าในหน้านี้หรือใน Airflow)",
        "the round's run has started (follow it here or in Airflow)",
    ),
    "already_running": ("รอบนี้มีการรันอยู่แล้ว ไม่ได้เริ่มใหม่", "this round already has a run going: none started"),
    "due_in_past": (
        "วันสุดท้ายที่ส่งต้องเป็นวันนี้หรือหลังจากนี้: เลือกวันใหม่",
        "the last day to submit must be today or later: choose another day",
    ),
    "bad_due": ("วันที่ไม่ถูกต้อง: ใช้รูปแบบ ปปปป-ดด-วว (ค.ศ.)", "not a date: use YYYY-MM-DD (CE)"),
    "withdrawn": (
        "ถอนไฟล์ฉบับนั้นแล้ว ไม่นับในรอบนี้ (ยังเก็บไว้ในประวัติ)",
        "that version is withdrawn: it no longer counts (it stays in the history)",
    ),
    "withdraw_undone": ("คืนไฟล์ฉบับนั้นแล้ว กลับมานับในรอบนี้", "the withdrawal is undone: that version counts again"),
    "withdraw_reason": ("บอกเหตุผลที่ถอนไฟล์", "say why the version is withdrawn"),
    "already_withdrawn": ("ไฟล์ฉบับนั้นถูกถอนอยู่แล้ว", "that version is already withdrawn"),
    "not_withdrawn": ("ไฟล์ฉบับนั้นไม่ได้ถูกถอน", "that version is not withdrawn"),
    "no_such_version": ("ไม่มีไฟล์ฉบับนั้นในรอบนี้", "no such version in this round"),
    "link_revoked": (
        "ยกเลิกลิงก์เดิมของหน่วยงานย่อยแล้ว ลิงก์ใหม่อยู่ในตารางลิงก์ด้านล่าง",
        "the unit's old link is revoked; its new link is in the table of links below",
    ),
}

# a unit's link that cannot be used (``intake.unit_links.LinkRefused``)
LINK_REFUSALS: dict[str, tuple[str, str]] = {
    "invalid": (
        "ลิงก์นี้ไม่ถูกต้อง อาจถูกแก้ไขหรือคัดลอกมาไม่ครบ: เปิดลิงก์จากอีเมลแบบฟอร์มอีกครั้ง หรือติดต่อผู้ดูแลระบบ",
        "this link is not valid; it may have been changed or cut short: open the link in the form mail "
        "again, or ask the ITA admin",
    ),
    "expired": (
        "ลิงก์นี้หมดอายุแล้ว เพราะพ้นกำหนดส่งของรอบนี้: ติดต่อผู้ดูแลระบบเพื่อขอลิงก์ใหม่",
        "this link has expired: the round's last day to submit has passed; ask the ITA admin for a new link",
    ),
    "revoked": (
        "ลิงก์นี้ถูกยกเลิกโดยผู้ดูแลระบบ: ใช้ลิงก์ใหม่ที่ได้รับ หรือติดต่อผู้ดูแลระบบ",
        "this link was revoked by the ITA admin: use the newer link you were sent, or ask the ITA admin",
    ),
    "unknown": (
        "ไม่พบหน่วยงาน หน่วยงานย่อย หรือรอบของลิงก์นี้ในการตั้งค่าปัจจุบัน: ติดต่อผู้ดูแลระบบ",
        "the agency, unit or round of this link is no longer configured: ask the ITA admin",
    ),
}

# why an upload was refused before anything was stored (``intake.uploads.UploadRefused``)
UPLOAD_REFUSALS: dict[str, tuple[str, str]] = {
    "unscheduled": (
        "รอบนี้ไม่อยู่ในรอบติดตามของหน่วยงาน จึงไม่รับไฟล์",
        "this round is not in the agency's schedule: no file is taken for it",
    ),
    "unknown_unit": ("ไม่รู้จักหน่วยงานย่อยนี้", "unknown unit"),
    "no_plan": (
        "ยังไม่มีแผนมาตรการของปีงบประมาณนี้ จึงยังตรวจไฟล์ไม่ได้: แจ้งผู้ดูแลระบบ",
        "there is no measure plan for this fiscal year yet, so files cannot be checked: tell the ITA admin",
    ),
    "bad_file": ("ไฟล์นี้ใช้ไม่ได้ (ดูรายละเอียดด้านล่าง)", "this file cannot be used (see below)"),
    "too_large": ("ไฟล์ใหญ่เกินกำหนด", "the file is larger than the limit"),
}

# the command line (``ita-monitor``): each printed as "Thai / English" by ``said``
CLI: dict[str, tuple[str, str]] = {
    "validate_failed": (
        "พบข้อผิดพลาด {errors} รายการ คำเตือน {warnings} รายการ",
        "{errors} error(s) and {warnings} warning(s) found in {folder}",
    ),
    "validate_ok": ("ถูกต้อง", "OK: {agencies} agencies, {plans} plans in {folder}"),
    "with_warnings": ("คำเตือน {warnings} รายการ", "{warnings} warning(s)"),
    "file_rejected": ("ไม่ผ่าน", "rejected: the round would not count this file"),
    "file_problems": (
        "ไม่ผ่าน: พบปัญหา {n:,} รายการ ไฟล์นี้จะไม่ถูกนับ",
        "rejected: {n:,} problem(s); the round would not count this file",
    ),
    "unreadable": ("อ่านไฟล์ไม่ได้", "cannot read the file: {why}"),
    "unit_unknown_of_file": (
        "ไม่ทราบว่าเป็นไฟล์ของหน่วยงานใด: ระบุ --unit",
        "cannot tell the unit: give --unit ({units})",
    ),
    "file_ok": ("ถูกต้อง", "OK: {rows} row(s) for unit {unit}: {codes}"),
    "not_in_file_yet": ("ยังไม่มีในไฟล์นี้", "not in this file yet: {codes}"),
    "nothing_received": ("ยังไม่ได้รับไฟล์", "no files received for {agency} {fiscal_year} {round}"),
    "round_not_scheduled": (
        "รอบ {months} เดือนไม่อยู่ในรอบติดตามของ {agency} {rounds}",
        "round {months} is not in {agency}'s schedule {rounds}",
    ),
    "no_such_unit": ("ไม่รู้จักหน่วยงานย่อย {unit}", "unknown unit {unit} (known: {units})"),
    "revoked_now": (
        "ยกเลิกลิงก์แล้ว",
        "revoked: {agency} {fiscal_year} {round} {unit} (generation {generation}); every earlier link "
        "of this unit and round is refused",
    ),
    "no_base_url": ("ตั้ง [api] base_url หรือใช้ --base-url", "set [api] base_url or give --base-url"),
    "give_agency": ("ระบุ --agency", "give --agency SLUG"),
    # ``ita-monitor status``: the round's heading and the labels of its lines
    "status_head": ("{agency} ปีงบประมาณ {fiscal_year} {round_th}", "FY {fiscal_year} round {months}"),
    "status_state": ("สถานะ", "state"),
    "status_data_root": ("ที่เก็บข้อมูล", "data root"),
    "status_due": ("ส่งภายใน", "due by"),
    "status_missing": ("ยังไม่ได้รับ", "missing"),
    "status_none": ("ไม่มี", "none"),
    "status_rejected": ("ไฟล์ที่ไม่รับ", "rejected files"),
    "status_run": ("การรัน", "Airflow run"),
    "status_offline": ("สถานะตามที่เก็บข้อมูลเท่านั้น", "the state is what the data root says"),
    "status_received": ("ได้รับแล้ว {received} จาก {due}", "received: {received} of {due} (unit, measure)"),
    # ``ita-monitor withdraw``
    "cli_withdrawn": ("ถอนแล้ว", "withdrawn"),
    "cli_undone": ("คืนสถานะ", "undone"),
    # ``ita-monitor rerun`` and ``run-round`` (through Airflow's REST API), and following a run (--wait)
    "give_round": ("ระบุ --round (หรือ --plan)", "give --round N (or --plan for the yearly plan)"),
    "no_run_yet": ("ยังไม่มีการรันของรอบนี้", "no run of {what} in {dag_id}: start one with {how}"),
    "rerun_awaits_approval": (
        "รออนุมัติอยู่ ไม่ต้องรันใหม่",
        "it awaits approval: nothing to rerun (approve or reject it)",
    ),
    "rerun_still_going": (
        "การรันนี้ยังทำงานอยู่ ไม่ได้ล้างงานใด",
        "the run is still going, nothing cleared ({going})",
    ),
    "rerun_cleared": ("ล้างแล้ว", "cleared"),
    "watch": ("ดูได้ที่", "watch it"),
    "cli_started": ("เริ่มแล้ว", "started"),
    "due_passed": (
        "หมายเหตุ: วันสุดท้ายที่ส่งของรอบนี้ ({day}) ผ่านมาแล้ว รอบนี้จะตรวจทันทีด้วยไฟล์ที่มีอยู่ ให้เวลาหน่วยงานด้วย --due",
        "note: this round's last day to submit ({day}) has passed, so it is checked at once with what is in; "
        "give the units time with --due YYYY-MM-DD",
    ),
    "due_said_everywhere": (
        "แบบฟอร์ม อีเมล ลิงก์ และหน้า ITA แจ้งวันนี้",
        "forms, mails, links and the ITA page say it",
    ),
    "dag_paused": (
        "DAG ปิดอยู่ (paused): เปิดก่อน การรันจึงจะเริ่ม",
        "DAG {dag_id} is paused: unpause it to let the run start",
    ),
    "run_success": ("สำเร็จ", "success"),
    "run_failed": ("ล้มเหลว", "failed: {tasks} (see the task's log)"),
    "run_awaits_approval": (
        "รออนุมัติ: อนุมัติหรือไม่อนุมัติในหน้า ITA หรือในหน้า Required actions ของ Airflow",
        "awaiting approval: approve or reject on the ITA page or in Airflow's Required actions",
    ),
    "run_waits_for_files": (
        "รอรับผลการดำเนินงานจนถึงวันสุดท้ายที่ส่ง",
        "waiting for submissions (deferred) until the last day to submit",
    ),
    "not_recorded": ("ไม่ได้บันทึกลงประวัติของรอบ", "not recorded in the round's actions: {why}"),
    "run_still": ("ยังไม่เสร็จ", "still {state} after {seconds} s"),
}

# the labels of a round's or yearly plan's states (``model.states.State``), by its value
STATES: dict[str, tuple[str, str]] = {
    "not_monitored": ("ไม่ได้ติดตาม", "not monitored"),
    "not_open": ("ยังไม่เปิดรอบ", "not yet open"),
    "not_run": ("ยังไม่ได้รัน", "not run"),
    "waiting": ("รอรับผลการดำเนินงาน", "waiting for submissions"),
    "incomplete": ("ยังไม่ครบ", "incomplete"),
    "running": ("กำลังดำเนินการ", "running"),
    "awaiting_approval": ("รออนุมัติ", "awaiting approval"),
    "published": ("เผยแพร่แล้ว", "published"),
    "dry_run": ("ทดลองเผยแพร่ (ไม่ได้ส่งจริง)", "dry run, nothing sent"),
    "failed": ("ล้มเหลว", "failed"),
    "changed_after_publication": (
        "เปลี่ยนแปลงหลังเผยแพร่ — สั่งรันใหม่เพื่อเผยแพร่อีกครั้ง",
        "changed after publication: rerun to republish",
    ),
    "collected": ("รับไฟล์แล้ว", "submissions collected"),
    "nothing_due": ("ไม่มีมาตรการที่ต้องรายงานในรอบนี้", "nothing due this round"),
    "complete": ("ครบถ้วน", "complete"),
    "validated": ("กำลังจัดทำ", "being made"),
    "rendered": ("จัดทำแล้ว ยังไม่เผยแพร่", "made, not published"),
    "approved": ("อนุมัติแล้ว", "approved"),
    "rejected": ("ไม่อนุมัติ", "rejected"),
    "not_made": ("ยังไม่จัดทำ", "not made yet"),
}

# a link's state on the link-health page, the readiness sheet and the notice (Thai; the English is the code)
LINK_STATES: dict[str, str] = {
    "ok": "ใช้งานได้",
    "slow": "ช้า",
    "changed": "เนื้อหาเปลี่ยน",
    "missing": "ไม่พบ (404)",
    "failing": "เข้าไม่ได้",
    "unchecked": "ไม่ได้ตรวจ",
}

# a cell of the round's measure x unit matrix (``views.round_detail.Cell``)
CELLS: dict[str, tuple[str, str]] = {
    "received": ("ได้รับแล้ว", "received"),
    "incomplete": ("ยังกรอกไม่ครบ", "incomplete row"),
    "rejected": ("ไม่รับไฟล์", "rejected"),
    "missing": ("ยังไม่ส่ง", "missing"),
}

MESSAGES: dict[str, tuple[str, str]] = {**PAGE, **LINK_REFUSALS, **UPLOAD_REFUSALS, **CLI}
assert len(MESSAGES) == len(PAGE) + len(LINK_REFUSALS) + len(UPLOAD_REFUSALS) + len(CLI), "one code, one text"

# the codes shown as errors (red) rather than as news
ERRORS = {
    "reason_needed",
    "already_running",
    "due_in_past",
    "bad_due",
    "withdraw_reason",
    "already_withdrawn",
    "not_withdrawn",
    "no_such_version",
    "already_approved",
    "already_rejected",
    "not_asked",
    "selfcheck_failed",
    "api_error",
    "form_expired",
    "form_invalid",
    "origin",
    "too_large",
    "rate_limited",
}


def message(code: str, n: int | None = None, who: str = "", at: str = "") -> tuple[str, str] | None:
    """The (Thai, English) text of a message code, ``{n}`` filled in (and ``{who}``/``{at}``, which
    come from the app's own records, e.g. a claim, never from the address); None for an unknown code."""
    if code not in MESSAGES:
        return None
    from ita_monitor.model.thai import thai_digits

    th, en = MESSAGES[code]
    values = {"{n}": str(n) if n is not None else "?", "{who}": who or "?", "{at}": at or "?"}
    # the digit rule in the Thai: a count in Thai digits, an HTTP status (after "HTTP") as typed
    th = th.replace("HTTP {n}", "HTTP " + values["{n}"]).replace("{n}", thai_digits(values["{n}"]))
    for mark, value in values.items():
        th, en = th.replace(mark, value), en.replace(mark, value)
    return th, en


def said(code: str, **values: object) -> str:
    """A message of the catalogue as one line, "Thai / English", its ``{names}`` filled in; the Thai
    half follows the digit rule (``thai.thai_digits_in_prose``: file names, paths, codes as typed)."""
    from ita_monitor.model.thai import thai_digits_in_prose

    th, en = MESSAGES[code]
    return f"{thai_digits_in_prose(th.format(**values))} / {en.format(**values)}"
