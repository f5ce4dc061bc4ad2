"""The page's own URLs: a round in the path, and the redirect back to a round's page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from ita_monitor.airflow_layer.webapp.templating import base
from ita_monitor.model.rounds import Round


def parse_round(fy: int, rnd: str) -> Round:
    """The round of ``/a/{agency}/{fy}/{round}`` (``round-12`` or ``12``); 404 for anything else."""
    m = re.fullmatch(r"(?:round-)?(\d{1,2})", rnd)
    if not m or not 2500 <= fy <= 2800:
        raise HTTPException(404, "ไม่มีรอบนี้ / no such round")
    try:
        return Round(fy, int(m.group(1)))
    except ValueError as exc:
        raise HTTPException(404, "ไม่มีรอบนี้ / no such round") from exc


def redirect_round(
    request: Request,
    slug: str,
    rnd: Round,
    code: str = "",
    n: int | None = None,
    unit: str = "",
    v=None,
    claim: str = "",
) -> RedirectResponse:
    """Back to the round's page after an action, with the code of a message the app issued
    (``model.messages``), a number for it, the unit and version of a file just received, and
    the key of the claim (``flow.claims``) whose holder the message names."""
    url = f"{base(request)}/a/{slug}/{rnd.fiscal_year}/{rnd.slug}"
    params = [
        ("m", code),
        ("n", "" if n is None else str(int(n))),
        ("unit", unit),
        ("v", "" if v is None else str(v)),
        ("c", claim),
    ]
    query = urlencode([(k, value) for k, value in params if value])
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)
