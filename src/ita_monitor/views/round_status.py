"""A round as the data root says it now, for ``ita-monitor status``: its state, the last day to submit,
each missing (unit, measure) and each rejected file, and the data root it was read from."""

from __future__ import annotations

from ita_monitor.model.config import AgenciesDir


def round_status_report(agencies: AgenciesDir, data, slug: str, rnd) -> dict:
    """The round as the data root says it now: state, due date, missing (unit, measure), rejected files.

    The state is the ITA page's, read from status.json alone (the command line does not ask Airflow
    whether a run is active).  The gaps are the plan's due (unit, measure) pairs checked against the
    rows of the last collect, so they are right before the round's check has run too.
    """
    from datetime import UTC, datetime

    from ita_monitor.intake.columns import ResultRow
    from ita_monitor.intake.completeness import check
    from ita_monitor.model import status as status_file
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.storage import read_json
    from ita_monitor.views.round_state import past_due, round_state

    agency = agencies.agency(slug)
    written = status_file.load_round(data, slug, rnd)
    state, detail = round_state(
        written, rnd, datetime.now(UTC), None, min(agencies.plan_years(slug), default=None)
    )
    due_at = rnd.due_at(agency.schedule.grace_days)
    detail = detail or past_due(state, due_at, datetime.now(UTC))
    try:
        plan = agencies.plan(slug, rnd.fiscal_year)
    except InputError as exc:
        plan, detail = None, detail or str(exc)
    missing = []
    if plan is not None:
        doc = read_json(data.collected(slug, rnd), None) or {}
        rows = [ResultRow(**r) for r in doc.get("rows", [])]
        result = check(plan, agency, rnd, rows)
        missing = [
            {
                "unit": g.unit,
                "unit_th": g.unit_th,
                "measure": g.measure_code,
                "measure_th": g.measure_th,
                "missing_fields": list(g.missing_fields),
                "where": g.where,
            }
            for g in result.gaps
        ]
    rejected = [
        {"unit": f.unit, "file": f.file, "version": f.version, "reasons": f.errors}
        for f in written.files
        if f.accepted is False
    ]
    return {
        "agency": slug,
        "fiscal_year": rnd.fiscal_year,
        "round": rnd.months,
        "state": str(state),
        "state_th": state.th,
        "state_en": state.en,
        "detail": detail,
        "due_at": due_at.isoformat(),
        "last_day_to_submit": rnd.last_day_to_submit(agency.schedule.grace_days).isoformat(),
        "missing": missing,
        "rejected": rejected,
        "data_root": str(data.root),
    }
