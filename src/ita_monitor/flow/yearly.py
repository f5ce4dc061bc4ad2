"""The steps of an agency's yearly plan, as plain functions over the data root.

validate -> render the measures and the approval memo -> publish the measures under the year's OIT
item.  Like the round's steps (``pipeline.py``) each reads the agencies directory and what the step
before wrote, writes its result atomically under ``<root>/<agency>/<FY>/plan/`` and can be rerun alone
with the same result.  Nothing here knows about Airflow.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ita_monitor.documents.oit_flags import with_catalogue_flags
from ita_monitor.documents.selfcheck import (
    SelfCheck,
    SelfCheckFailed,
    check_pdf,
    refusal,
)
from ita_monitor.model import status
from ita_monitor.model.agency import Agency
from ita_monitor.model.agency_year import AgencyYear
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.parsing import document_problems
from ita_monitor.model.plan import Plan
from ita_monitor.model.status import PlanStatus, SelfCheckRecord, State
from ita_monitor.model.storage import DataRoot, PathLike, write_atomic
from ita_monitor.publish.base import Document, Publisher
from ita_monitor.publish.record import publish_documents


@dataclass(frozen=True, kw_only=True)
class YearJob(AgencyYear):
    """Everything a step needs to work on one agency's plan of one fiscal year."""

    plan: Plan
    plan_file: str  # the plan's YAML, named in problems

    @classmethod
    def load(
        cls, agencies: AgenciesDir, slug: str, fiscal_year: int, data: DataRoot, agency: Agency | None = None
    ) -> YearJob:
        """Load and check everything the yearly documents need; InputError lists every problem."""
        plan_file = str(agencies.root / slug / "plans" / f"{fiscal_year}.yaml")
        agency = agency if agency is not None else agencies.agency(slug)
        plan = agencies.plan(slug, fiscal_year, agency)
        catalogue = agencies.catalogue(fiscal_year)
        problems = document_problems(plan, catalogue, plan_file)
        if any(p.severity == "error" for p in problems):
            raise InputError(problems)
        return cls(
            agency=agency,
            plan=plan,
            catalogue=catalogue,
            data=data,
            fiscal_year=fiscal_year,
            plan_file=plan_file,
        )

    def path(self, document: str) -> PathLike:
        """``plan/ita-<FY>-measures.pdf``, ``plan/ita-<FY>-approval-memo.pdf``."""
        return self.plan_dir / f"ita-{self.fiscal_year}-{document}.pdf"


def update_status(job: YearJob, **changes: Any) -> PlanStatus:
    """Merge ``changes`` into the plan's status.json (other keys are kept), through ``status.py``."""
    return status.update_plan(
        job.data, job.slug, job.fiscal_year, agency=job.slug, fiscal_year=job.fiscal_year, **changes
    )


# --- validate -----------------------------------------------------------------------------------


def validate(job: YearJob) -> list[Problem]:
    """The plan's warnings (errors stop ``YearJob.load``): e.g. a point to improve no measure addresses."""
    warnings = [p for p in document_problems(job.plan, job.catalogue, job.plan_file) if p.severity != "error"]
    update_status(job, state=State.VALIDATED, warnings=[p.as_dict() for p in warnings])
    return warnings


# --- render -------------------------------------------------------------------------------------


def _write(path: PathLike, pdf: bytes) -> dict:
    if not (path.exists() and path.read_bytes() == pdf):
        write_atomic(path, pdf)
    return {"path": str(path), "sha256": hashlib.sha256(pdf).hexdigest(), "bytes": len(pdf)}


def render_measures(job: YearJob, renderer) -> dict:
    """The measures document (O42-type): analysis of last year's result, then the measures."""
    from ita_monitor.documents.context import measures_html

    html = measures_html(renderer, job.agency, job.plan, job.catalogue, job.plan_file)
    pdf = renderer.pdf(html)
    result = _write(job.path("measures"), pdf)
    update_status(
        job,
        state=State.RENDERED,
        measures=result,
        selfcheck=_checked(job, check_pdf(pdf, html, "measures"), html),
    )
    return result


def render_approval_memo(job: YearJob, renderer) -> dict:
    """The บันทึกข้อความ asking the executive to approve the year's measures (printed and signed)."""
    from ita_monitor.documents.context import approval_memo_html

    html = approval_memo_html(renderer, job.agency, job.plan, job.plan_file)
    pdf = renderer.pdf(html)
    result = _write(job.path("approval-memo"), pdf)
    update_status(job, memo=result, selfcheck=_checked(job, check_pdf(pdf, html, "approval_memo"), html))
    return result


def _checked(job: YearJob, result: SelfCheck, html: str) -> SelfCheckRecord:
    """The plan's self-check entry with this document's result in it (the other one kept); an OIT
    code of a catalogue not verified against the year's list is flagged for the approver."""
    with_catalogue_flags(result, html, job.catalogue)
    previous = status.load_plan(job.data, job.slug, job.fiscal_year).selfcheck or SelfCheckRecord()
    return previous.with_documents(result.as_dict())


# --- publish ------------------------------------------------------------------------------------


def measures_document(job: YearJob) -> Document:
    from ita_monitor.documents.context import MEASURES_TITLE
    from ita_monitor.model.thai import thai_digits

    path = job.path("measures")
    if not path.exists():
        raise InputError(
            [
                Problem(
                    str(path),
                    "",
                    "ยังไม่มีเอกสารมาตรการ: สั่งงาน render_measures ก่อน",
                    "the measures document is not rendered yet: run render_measures first",
                )
            ]
        )
    return Document(
        key="measures",
        document="measures",
        title_th=f"{MEASURES_TITLE} ประจำปีงบประมาณ พ.ศ. {thai_digits(job.fiscal_year)}",
        filename=path.name,
        data=path.read_bytes(),
    )


def publish_measures(job: YearJob, publisher: Publisher, dry_run: bool = False) -> dict:
    """Publish the measures under the year's OIT item and record it in the plan's status.

    Measures that failed their self-check are not published: ``SelfCheckFailed`` names each difference."""
    refused = refusal(
        status.load_plan(job.data, job.slug, job.fiscal_year).selfcheck, "มาตรการ", "the measures"
    )
    if refused and not dry_run:
        raise SelfCheckFailed(refused)
    result = publish_documents(job, publisher, [measures_document(job)], dry_run=dry_run)
    update_status(job, state=State.DRY_RUN if dry_run else State.PUBLISHED, published=result)
    return result
