"""A round as the data root says it now, for ``ita-monitor status``: its state, the last day to submit,
each missing (unit, measure) and each rejected file, and the data root it was read from."""

from __future__ import annotations

from ita_monitor.model.config import AgenciesDir


def round_status_report(agencies: AgenciesDir, data, slug: str, rnd, run=None, airflow: str = "") -> dict:
    """The round now: state, due date, progress, missing (unit, measure), rejected files.

    The state is the ITA page's (``round_state.round_state``): status.json with the round's latest
    Airflow run ``run`` (a ``RunInfo``; None = Airflow knows no run of it, or was not asked: ``airflow``
    then says why).  The gaps are the plan's due (unit, measure) pairs checked against the rows of the
    last collect (after every upload, mail and check), so they are right while it waits.
    """
    from datetime import UTC, datetime

    from ita_monitor.intake.columns import ResultRow
    from ita_monitor.intake.completeness import check
    from ita_monitor.model import status as status_file
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import last_day_to_submit
    from ita_monitor.model.storage import read_json
    from ita_monitor.views.round_state import round_state, with_past_due, written_due_at

    agency = agencies.agency(slug)
    written = status_file.load_round(data, slug, rnd)
    now = datetime.now(UTC)
    state, detail = round_state(written, rnd, now, run, min(agencies.plan_years(slug), default=None))
    due_at = written_due_at(written, agency, rnd)
    detail = with_past_due(detail, state, due_at, now)
    try:
        plan = agencies.plan(slug, rnd.fiscal_year)
    except InputError as exc:
        plan, detail = None, detail or str(exc)
    missing, due = [], 0
    if plan is not None:
        doc = read_json(data.collected(slug, rnd), None) or {}
        rows = [ResultRow(**r) for r in doc.get("rows", [])]
        result = check(plan, agency, rnd, rows)
        due = len(result.due)
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
    accepted = [
        {"unit": f.unit, "file": f.file, "version": f.version, "received_at": f.received_at}
        for f in written.files
        if f.accepted
    ]
    return {
        "agency": slug,
        "fiscal_year": rnd.fiscal_year,
        "round": rnd.months,
        "state": str(state),
        "state_th": state.th,
        "state_en": state.en,
        "detail": detail,
        "run": None if run is None else {"run_id": run.run_id, "state": run.state},
        "airflow": airflow or "asked",
        "due_at": due_at.isoformat(),
        "last_day_to_submit": last_day_to_submit(due_at).isoformat(),
        "due": due,
        "received": due - len(missing) if plan is not None else 0,
        "accepted_files": accepted,
        "missing": missing,
        "rejected": rejected,
        "data_root": str(data.root),
    }
