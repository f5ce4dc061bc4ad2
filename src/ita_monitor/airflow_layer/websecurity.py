"""What keeps the ITA pages' state-changing requests honest: the secret keys, form tokens that expire,
the Origin/Referer check and a request body read against one size limit (rate limits: ``ratelimit.py``).

Keys.  Every key is derived (HMAC-SHA256, one label per use) from a secret that is always secret:
``[ita] link_secret`` when set, else Airflow's ``[api_auth] jwt_secret``, else the private key file
Airflow signs its JWTs with (``[api_auth] jwt_private_key_path``).  Never a constant: with none of the
three configured, ``NoSecret`` says what to set.  Every api-server and worker must see the same
secret (as they must for Airflow's own JWTs), or links made by a worker are refused by the page.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

FORM_TOKEN_MAX_AGE = 8 * 3600  # a page left open for a working day can still be submitted
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields beside the file


class NoSecret(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "ไม่มีกุญแจลับสำหรับลิงก์และฟอร์ม: ตั้งค่า [ita] link_secret (สุ่ม 64 ตัวอักษรขึ้นไป) หรือ "
            "[api_auth] jwt_secret ของ Airflow / no secret key for links and forms: set [ita] link_secret "
            "(AIRFLOW__ITA__LINK_SECRET, 64+ random characters) or Airflow's [api_auth] jwt_secret"
        )


def _conf_get(section: str, key: str) -> str:
    from airflow.sdk import conf

    return (conf.get(section, key, fallback="") or "").strip()


def master_secret() -> bytes:
    """The secret every key here is derived from (see the module's doc); NoSecret without one."""
    for section, key in (("ita", "link_secret"), ("api_auth", "jwt_secret")):
        value = _conf_get(section, key)
        if value:
            return f"{section}.{key}:{value}".encode()
    path = _conf_get("api_auth", "jwt_private_key_path")
    if path:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            data = b""
        if data.strip():
            return b"api_auth.jwt_private_key:" + data
    raise NoSecret()


def derived_key(purpose: str, secret: bytes | None = None) -> bytes:
    """A key for one purpose ("unit-links", "form-tokens", ...), independent of every other one."""
    return hmac.new(secret or master_secret(), f"ita-monitor/{purpose}".encode(), hashlib.sha256).digest()


# --- form tokens (CSRF) ------------------------------------------------------------------------------


Clock = Callable[[], float]


def _forms(secret: bytes | None = None, clock: Clock = time.time) -> URLSafeTimedSerializer:
    class Signer(TimestampSigner):  # the time a token is signed and checked at is ``clock()``'s
        def get_timestamp(self) -> int:
            return int(clock())

    return URLSafeTimedSerializer(derived_key("form-tokens", secret), salt="ita-monitor form", signer=Signer)


def form_token(subject: str, secret: bytes | None = None, clock: Clock = time.time) -> str:
    """A token the page's forms carry, bound to ``subject`` (the user, or the unit's link) and to now."""
    return _forms(secret, clock).dumps(subject)


def form_token_problem(
    subject: str,
    token: str,
    max_age: int | None = None,
    secret: bytes | None = None,
    clock: Clock = time.time,
) -> str:
    """'' when ``token`` was issued by this app for ``subject`` less than ``max_age`` seconds ago
    (default FORM_TOKEN_MAX_AGE), else the message code why not ("form_expired", "form_invalid")."""
    try:
        who = _forms(secret, clock).loads(
            token or "", max_age=FORM_TOKEN_MAX_AGE if max_age is None else max_age
        )
    except SignatureExpired:
        return "form_expired"
    except BadSignature:
        return "form_invalid"
    return "" if hmac.compare_digest(str(who), subject) else "form_invalid"


# --- Origin / Referer ----------------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(value: str) -> str:
    """``scheme://host[:port]`` of a URL, lower case, the scheme's default port left out; '' if none."""
    try:
        parts = urlsplit((value or "").strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    shown = "" if port in (None, _DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown}"


def allowed_origins(
    base_url: str = "", extra: str | list[str] = "", port: int | str | None = None
) -> set[str]:
    """Where the page itself is served, from configuration only: Airflow's ``[api] base_url`` and the
    ``[ita] allowed_origins`` list (comma-separated, for a deployment reached by more than one name
    behind a proxy).  With neither set, the api-server's own address on this machine
    (``http://localhost:<[api] port>`` and ``http://127.0.0.1:<port>``), as ``airflow standalone``
    serves it.  Never the request's ``Host`` or ``X-Forwarded-Host``: anyone can send those."""
    items = extra.split(",") if isinstance(extra, str) else list(extra)
    origins = {o for o in (_origin_of(base_url), *(_origin_of(i) for i in items)) if o}
    if not origins and port:
        origins = {_origin_of(f"http://{host}:{port}") for host in ("localhost", "127.0.0.1")}
    return origins


def configured_origins() -> set[str]:
    """``allowed_origins`` of this api-server's configuration."""
    return allowed_origins(
        public_base_url(), _conf_get("ita", "allowed_origins"), _conf_get("api", "port") or 8080
    )


def same_origin(headers, origins: set[str] | None = None) -> bool:
    """Whether a state-changing request comes from this site's own pages (``origins``, default the
    configured ones).

    Browsers send ``Origin`` with every POST; an old one only ``Referer``.  A request with neither, or
    with ``Origin: null`` (sandboxed frames, some redirects), is refused.
    """
    allowed = configured_origins() if origins is None else origins
    origin = headers.get("origin")
    seen = _origin_of(origin) if origin is not None else _origin_of(headers.get("referer", ""))
    return bool(seen) and seen in allowed


# --- the body, against one size limit ------------------------------------------------------------------


class BodyTooLarge(Exception):
    pass


def too_large_text(limit: int, seen: int, exact: bool) -> tuple[str, str]:
    """The intake's own message for a file above the one limit (its size when known)."""
    from ita_monitor.model.limits import too_large_th_en

    return too_large_th_en(limit, seen, exact)


class LimitedReceive:
    """An ASGI ``receive`` that stops reading once more than ``limit`` body bytes have come."""

    def __init__(self, receive, limit: int):
        self._receive = receive
        self.limit = limit
        self.read = 0

    async def __call__(self):
        message = await self._receive()
        if message.get("type") == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > self.limit:
                raise BodyTooLarge()
        return message


async def read_form(request, file_limit: int, max_fields: int = 8):
    """The request's form (a multipart with at most one file), read only after the caller has checked
    who is asking; BodyTooLarge as soon as the body passes ``file_limit`` plus the form's overhead."""
    from starlette.requests import Request

    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > file_limit + FORM_OVERHEAD:
        raise BodyTooLarge()
    limited = Request(request.scope, LimitedReceive(request.receive, file_limit + FORM_OVERHEAD))
    return await limited.form(max_files=1, max_fields=max_fields, max_part_size=64 * 1024)


async def read_upload(upload, limit: int) -> bytes:
    """The uploaded file's bytes, in chunks; BodyTooLarge past ``limit`` (never more in memory)."""
    chunks, total = [], 0
    while True:
        chunk = await upload.read(256 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge()
        chunks.append(chunk)


# --- the units' upload links ------------------------------------------------------------------------------


def link_secret() -> bytes:
    """The key unit links are signed with (``unit_links.py``)."""
    return derived_key("unit-links")


def public_base_url() -> str:
    """Where browsers reach the api-server (``[api] base_url``); '' when not configured."""
    from ita_monitor.airflow_layer.settings import base_url

    return base_url()


def upload_limit(data=None) -> int:
    """The one size limit of a received file (the intake's), for every way in."""
    from ita_monitor.intake.sniff import MAX_FILE_BYTES

    return int(getattr(data, "max_submission_bytes", 0) or MAX_FILE_BYTES)


def unit_link_maker(job):
    """``unit -> link URL`` for the round of ``job``; None (links left out of the mails) when
    ``[api] base_url`` is not set.  NoSecret when no secret is configured."""
    from ita_monitor.intake.unit_links import LinkScope, link_for

    base = public_base_url()
    if not base:
        return None
    secret = link_secret()

    def make(unit: str) -> str:
        scope = LinkScope(job.slug, job.rnd.fiscal_year, job.rnd.months, unit)
        return link_for(secret, job.data, scope, job.agency.schedule.grace_days, base, expires_at=job.due_at)

    return make
