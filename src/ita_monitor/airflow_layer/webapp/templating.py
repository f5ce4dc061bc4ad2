"""The page's HTML: the ``ui/`` Jinja templates of ``[ita] templates_dir`` (by default those shipped in
the package, ``ita_monitor.templates``), autoescaped, with Thai date filters; the security headers;
the error pages."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ita_monitor.airflow_layer import settings
from ita_monitor.model import thai
from ita_monitor.model.agency import Agency
from ita_monitor.model.messages import CELLS
from ita_monitor.model.rounds import BANGKOK
from ita_monitor.model.states import ROUND_PAGE_STATES
from ita_monitor.model.thai import thai_date, thai_digits

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _local(value: datetime | date | str | None) -> datetime | str:
    """``value`` as Bangkok time; an unparseable string comes back as it is, nothing as ``""``."""
    if not value:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time())
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.astimezone(BANGKOK) if value.tzinfo else value


def thai_day(value: datetime | date | str | None) -> str:
    """``๑๕ ตุลาคม ๒๕๖๕`` (Bangkok): the digit rule of every place a person reads Thai (``thai.py``)."""
    local = _local(value)
    return local if isinstance(local, str) else thai_date(local)


def thai_time(value: datetime | str | None) -> str:
    """``๑๕ ตุลาคม ๒๕๖๕ ๐๙:๓๐ น.`` (Bangkok)."""
    local = _local(value)
    return local if isinstance(local, str) else thai_digits(thai.thai_time(local))


def base(request: Request) -> str:
    """The app's own prefix as the browser sees it (``/ita`` behind Airflow's root path)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def published_href(base: str, agency: Agency, url: str) -> str:
    """A published URL; a relative one (static target without base_url) is served from the data root."""
    if re.match(r"^https?://", url):
        return url
    return f"{base}/site/{agency.slug}/{quote(url.lstrip('/'))}"


@lru_cache(maxsize=4)
def _environment(folder: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        thai_day=thai_day,
        thai_time=thai_time,
        thai=thai.thai_digits_in_prose,  # Thai digits in Thai prose; URLs, e-mails, codes as typed
        q=lambda s: quote(str(s), safe=""),
        qp=lambda s: quote(str(s), safe="/"),
    )
    env.globals.update(LEGEND=ROUND_PAGE_STATES, CELLS=CELLS, published_href=published_href)
    return env


def environment() -> Environment:
    """Jinja over ``<[ita] templates_dir>/ui``: the same setting the documents are rendered from (by
    default the templates shipped in the package)."""
    return _environment(str(Path(settings.get("templates_dir")) / "ui"))


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def login_redirect(request: Request) -> Response | None:
    """A browser's page request without a login: to Airflow's login (``/api/v2/auth/login``, whatever
    the auth manager) and back to this page after it.  None for API clients and other methods."""
    from fastapi.responses import RedirectResponse

    if request.method not in ("GET", "HEAD") or "text/html" not in request.headers.get("accept", ""):
        return None
    prefix = base(request)  # "/ita" (behind Airflow's own path prefix, if any)
    airflow_root = prefix[: -len("/ita")] if prefix.endswith("/ita") else ""
    path = request.url.path
    if not path.startswith(prefix):
        path = prefix + path
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(
        f"{airflow_root}/api/v2/auth/login?{urlencode({'next': target})}", status_code=303
    )


async def error_page(request: Request, exc: HTTPException) -> Response:
    """Every HTTP error as a page in Thai and English; a browser without a login goes to Airflow's
    login and back (API clients get the 401)."""
    if exc.status_code == 401 and (redirect := login_redirect(request)) is not None:
        return redirect
    if exc.status_code == 401:
        return render(
            "message.html.j2",
            401,
            base=base(request),
            title="ต้องเข้าสู่ระบบ Airflow / Airflow login required",
            text="เข้าสู่ระบบ Airflow ก่อน แล้วเปิดหน้านี้อีกครั้ง / log in to Airflow, then open this page again",
            login=True,
        )
    return render(
        "message.html.j2",
        exc.status_code,
        base=base(request),
        title=f"{exc.status_code}",
        text=str(exc.detail),
    )
