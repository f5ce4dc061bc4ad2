"""The steps of one monitoring round, as plain functions over the data root.

collect -> check -> render -> publish.  Each step reads what the previous one wrote under the round's
folder and writes its own result atomically, so any step can be rerun alone and gives the same
result (idempotent).  The Airflow tasks are one-line calls of these.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ita_monitor.documents.oit_flags import with_catalogue_flags
from ita_monitor.documents.selfcheck import SelfCheckFailed, check_pdf, refusal, start
from ita_monitor.intake.columns import ResultRow
from ita_monitor.intake.completeness import Completeness, check
from ita_monitor.model import status
from ita_monitor.model.agency import Agency
from ita_monitor.model.agency_year import AgencyYear
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.plan import Plan
from ita_monitor.model.revisions import update_json
from ita_monitor.model.rounds import Round, last_day_to_submit, round_due_at
from ita_monitor.model.status import RoundStatus, SelfCheckRecord, State
from ita_monitor.model.storage import DataRoot, read_json, write_atomic
from ita_monitor.publish.base import Document, Publisher
from ita_monitor.publish.record import publish_documents


class RoundIncomplete(Exception):
    """The round lacks submissions; the message lists every gap in Thai and English."""

    def __init__(self, completeness: Completeness, rejected: list[str] | None = None):
        self.completeness = completeness
        self.rejected = rejected or []
        lines = [completeness.message()]
        if self.rejected:
            lines.append("ไฟล์ที่ไม่รับ / rejected files:")
            lines += [f"- {r}" for r in self.rejected]
        super().__init__("\n".join(lines))


@dataclass(frozen=True, kw_only=True)
class RoundJob(AgencyYear):
    """Everything a step needs to work on one round of one agency."""

    plan: Plan
    rnd: Round
    due: date | None = None  # a new last day to submit (catching up a past round); None: the schedule's

    @classmethod
    def load(
        cls,
        agencies: AgenciesDir,
        slug: str,
        rnd: Round,
        data: DataRoot,
        agency: Agency | None = None,
        due: date | None = None,
    ) -> RoundJob:
        """The round's job; each file read once (``agency``: the profile the caller already read)."""
        agency = agency if agency is not None else agencies.agency(slug)
        return cls(
            agency=agency,
            plan=agencies.plan(slug, rnd.fiscal_year, agency),
            catalogue=agencies.catalogue(rnd.fiscal_year),
            rnd=rnd,
            data=data,
            fiscal_year=rnd.fiscal_year,
            due=due,
        )

    @property
    def due_at(self) -> datetime:
        """When the wait ends: midnight in Bangkok after the last day to submit."""
        return round_due_at(self.agency, self.rnd, self.due)

    @property
    def last_day(self) -> date:
        """The last day units have, as forms, mails, links and the ITA page say it."""
        return last_day_to_submit(self.due_at)


def update_status(job: RoundJob, **changes: Any) -> RoundStatus:
    """Merge ``changes`` into the round's status.json (other keys are kept), through ``status.py``."""
    return status.update_round(
        job.data,
        job.slug,
        job.rnd,
        agency=job.slug,
        fiscal_year=job.rnd.fiscal_year,
        round=job.rnd.months,
        label_th=job.rnd.label_th,
        due_at=job.due_at.isoformat(),
        **changes,
    )


# --- collect ------------------------------------------------------------------------------------


def collect(job: RoundJob, changed: bool = False) -> dict:
    """Keep every new inbox file as a version (``intake.py``), then read every version.

    Per (unit, measure) the row of the latest valid version counts; a rejected file never blocks
    other files or replaces an accepted version.  Nothing in the inbox or under received/ is changed.
    """
    from ita_monitor.intake.reading import take_in
    from ita_monitor.intake.versions import withdrawn_versions

    intake = take_in(job.data, job.agency, job.plan, job.rnd)
    set_aside = withdrawn_versions(job.data, job.slug, job.rnd)
    rows = intake.rows
    outcomes = intake.outcomes
    doc = {
        "rows": [r.__dict__ for _, r in sorted(rows.items())],
        "files": [o.as_dict() for o in outcomes],
    }
    # two collects at once (two uploads) may finish in either order: the snapshot of more files stays
    update_json(
        job.data.collected(job.slug, job.rnd),
        lambda now: None if len((now or {}).get("files") or []) > len(doc["files"]) else doc,
    )
    accepted = sum(o.accepted for o in outcomes)
    progress = check(job.plan, job.agency, job.rnd, list(rows.values()))  # what is in, what is missing
    update_status(
        job,
        state=state_after_collect(
            status.load_round(job.data, job.slug, job.rnd).known_state, bool(intake.new) or changed
        ),
        completeness=progress.as_dict(),
        files=doc["files"],
        rejected=intake.rejected,
        history=[{**v.as_dict(), "withdrawn": set_aside.get((v.unit, v.version))} for v in intake.versions],
    )
    return {
        "files": len(outcomes),
        "accepted": accepted,
        "rejected": len(outcomes) - accepted,
        "rows": len(rows),
        "new_versions": len(intake.new),
    }


PUBLISHED_STATES = (State.PUBLISHED, State.DRY_RUN, State.CHANGED_AFTER_PUBLICATION)


def state_after_collect(before: State | None, new_files: bool) -> State:
    """A published round stays published: a new file (upload, mail, link) makes it "changed after
    publication: rerun to republish", never "collected" (which would read as waiting again).  A round
    waiting for submissions stays waiting (its completeness shows the progress)."""
    if before in PUBLISHED_STATES:
        return State.CHANGED_AFTER_PUBLICATION if new_files else before
    if before is State.WAITING:
        return State.WAITING
    return State.COLLECTED


def mark_waiting(
    data: DataRoot, agency: Agency, rnd: Round, due_at: str, due: date | None = None
) -> RoundStatus:
    """The round is open and waits for submissions until ``due_at``: status.json says so (a published
    round keeps its state: a new run of it shows as running on the page).  ``due``: the last day to
    submit the run was given (a caught-up round), kept so every later look at the round uses it."""
    before = status.load_round(data, agency.slug, rnd).known_state
    changes: dict[str, Any] = {"due_at": due_at, "due_day": due.isoformat() if due else ""}
    if before not in PUBLISHED_STATES:
        changes["state"] = State.WAITING
    return status.update_round(
        data,
        agency.slug,
        rnd,
        agency=agency.slug,
        fiscal_year=rnd.fiscal_year,
        round=rnd.months,
        label_th=rnd.label_th,
        **changes,
    )


def withdraw_version(
    job: RoundJob, unit: str, version: int, reason: str, by: str, undo: bool = False
) -> tuple[dict, RoundStatus]:
    """Withdraw a unit's received version (or undo that), then collect the round again, so the state,
    the completeness and the page follow at once (a published round becomes "changed after
    publication: rerun to republish").  Nothing received is deleted; ``WithdrawRefused`` says why not."""
    from ita_monitor.intake.versions import record_withdrawal

    action = record_withdrawal(job.data, job.slug, job.rnd, unit, version, reason, by, undo)
    collect(job, changed=True)
    return action, status.load_round(job.data, job.slug, job.rnd)


def recorded_due(data: DataRoot, slug: str, rnd: Round) -> date | None:
    """The last day to submit the round's run was given when it opened (``mark_waiting``), if any."""
    day = status.load_round(data, slug, rnd).due_day
    try:
        return date.fromisoformat(day) if day else None
    except ValueError:
        return None


def collected_rows(job: RoundJob) -> list[ResultRow]:
    doc = read_json(job.data.collected(job.slug, job.rnd), {"rows": []})
    return [ResultRow(**r) for r in doc["rows"]]


# --- check --------------------------------------------------------------------------------------


def check_round(job: RoundJob) -> Completeness:
    """Completeness of the collected rows; writes it to status.json and raises RoundIncomplete."""
    result = check(job.plan, job.agency, job.rnd, collected_rows(job))
    if not result.due:
        update_status(job, state=State.NOTHING_DUE, completeness=result.as_dict())
        return result
    written = update_status(
        job, state=State.COMPLETE if result.complete else State.INCOMPLETE, completeness=result.as_dict()
    )
    if not result.complete:
        rejected = [reason for f in written.rejected for reason in f.reasons]
        raise RoundIncomplete(result, rejected)
    return result


# --- render -------------------------------------------------------------------------------------


def year_chart(job: RoundJob, templates=None) -> str:
    """The year's completion by round and unit, for the report of the year's last round (12 months)."""
    if job.rnd.months != max(job.agency.schedule.rounds):
        return ""
    from ita_monitor.documents.charts import TEMPLATES, completion_chart
    from ita_monitor.views.yearview import year_view

    view = year_view(job.agency, job.plan, job.fiscal_year, job.data)
    return completion_chart(view, thai=True, templates=templates or TEMPLATES)


def render_report(job: RoundJob, renderer) -> dict:
    """Render the round report PDF and its covering memo into the round's report folder (atomically)."""
    report_month = job.rnd.due_at(job.agency.schedule.grace_days).date()
    html = renderer.round_report_html(
        job.agency,
        job.plan,
        job.catalogue,
        job.rnd,
        collected_rows(job),
        report_month,
        year_chart(job, getattr(renderer, "templates_dir", None)),
    )
    pdf = renderer.pdf(html)
    report_check = start(pdf)  # read back while the memo renders
    path = job.data.report(job.slug, job.rnd)
    if not (path.exists() and path.read_bytes() == pdf):
        write_atomic(path, pdf)
    report = {"path": str(path), "sha256": hashlib.sha256(pdf).hexdigest(), "bytes": len(pdf)}
    # The covering memo (บันทึกข้อความ) that sends the report up, beside it; it is not published.
    from ita_monitor.documents.context import round_memo_html

    memo_html = round_memo_html(renderer, job.agency, job.plan, job.catalogue, job.rnd, report_month)
    memo = renderer.pdf(memo_html)
    memo_path = job.data.report_memo(job.slug, job.rnd)
    if not (memo_path.exists() and memo_path.read_bytes() == memo):
        write_atomic(memo_path, memo)
    report.update(memo_path=str(memo_path), memo_sha256=hashlib.sha256(memo).hexdigest())
    # The self-check before anyone is asked to approve: both PDFs read back and compared.
    # and an OIT code of a catalogue not verified against the year's list is flagged for the approver
    checks = SelfCheckRecord().with_documents(
        with_catalogue_flags(check_pdf(report_check, html, "report"), html, job.catalogue).as_dict(),
        with_catalogue_flags(check_pdf(memo, memo_html, "memo"), memo_html, job.catalogue).as_dict(),
    )
    update_status(job, state=State.RENDERED, report=report, selfcheck=checks)
    return report


# --- publish ------------------------------------------------------------------------------------


def report_document(job: RoundJob) -> Document:
    path = job.data.report(job.slug, job.rnd)
    title = f"รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน {job.rnd.label_th}"
    return Document(
        key=job.rnd.slug, document="round_report", title_th=title, filename=path.name, data=path.read_bytes()
    )


def publish_report(job: RoundJob, publisher: Publisher, dry_run: bool = False) -> dict:
    """Publish the round report and record the URLs in the round status.

    A report that failed its self-check is not published (also when the agency publishes without
    approval): ``SelfCheckFailed`` names each difference."""
    refused = refusal(status.load_round(job.data, job.slug, job.rnd).selfcheck, "รายงาน", "the report")
    if refused and not dry_run:
        raise SelfCheckFailed(refused)
    result = publish_documents(job, publisher, [report_document(job)], dry_run=dry_run)
    update_status(job, state=State.DRY_RUN if dry_run else State.PUBLISHED, published=result)
    return result
