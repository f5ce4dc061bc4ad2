"""A unit's personal upload link: signed, for one agency, fiscal year, round and unit, expiring after
the round's last day to submit, revocable by the admin.

The link is ``<base>/ita/u/<token>``.  The token is the scope signed with ``itsdangerous`` (HMAC-SHA256
under a secret the Airflow layer supplies, never a constant)::

    {"a": agency, "y": fiscal year, "r": round months, "u": unit, "e": expiry (epoch s), "g": generation}

Nothing in the token is secret (it is only signed); what it grants is exactly that one unit's upload
for that one round.  A link is the same every time it is made for the same scope and generation, so
a rerun of open_round mails nothing new.  Revoking a link records its generation in the agency's
revocation list ``<data root>/<agency>/unit-links.json``; the next link made for that scope has the
next generation and works, every earlier one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ita_monitor.model.messages import LINK_REFUSALS
from ita_monitor.model.revisions import read_json_current, update_json
from ita_monitor.model.rounds import Round
from ita_monitor.model.status import record_action
from ita_monitor.model.storage import DataRoot, PathLike

SALT = "ita-monitor unit upload link v1"
REVOCATIONS = "unit-links.json"
ROUTE = "/ita/u/"  # where the plugin serves the unit's page


@dataclass(frozen=True)
class LinkScope:
    """What one link grants: one unit's submissions to one round of one agency."""

    agency: str
    fiscal_year: int
    months: int
    unit: str

    @property
    def rnd(self) -> Round:
        return Round(self.fiscal_year, self.months)

    def key(self) -> tuple[int, int, str]:
        return (self.fiscal_year, self.months, self.unit)


@dataclass(frozen=True)
class Link:
    """A verified link: its scope, when it expires and its generation."""

    scope: LinkScope
    expires_at: datetime
    generation: int


class LinkRefused(Exception):
    """The token cannot be used; ``code`` says why (the page shows the matching message)."""

    def __init__(self, code: str):
        assert code in LINK_REFUSALS, code
        self.code = code
        super().__init__(f"{LINK_REFUSALS[code][1]} ({code})")


def _serializer(secret: bytes) -> URLSafeSerializer:
    if not secret:
        raise ValueError("a unit link needs a secret")
    return URLSafeSerializer(secret, salt=SALT)


def expiry(rnd: Round, grace_days: int) -> datetime:
    """When a round's links stop working: the end of the last day to submit (the round's due time)."""
    return rnd.due_at(grace_days)


def make_token(secret: bytes, scope: LinkScope, expires_at: datetime, generation: int = 0) -> str:
    payload = {
        "a": scope.agency,
        "y": scope.fiscal_year,
        "r": scope.months,
        "u": scope.unit,
        "e": int(expires_at.timestamp()),
        "g": generation,
    }
    return _serializer(secret).dumps(payload)


def read_token(secret: bytes, token: str, now: datetime | None = None) -> Link:
    """The link ``token`` stands for; LinkRefused("invalid" | "expired") when it cannot be used.

    Revocation is checked separately (``check_revoked``): it needs the data root.
    """
    if not token or len(token) > 512:
        raise LinkRefused("invalid")
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature as exc:
        raise LinkRefused("invalid") from exc
    try:
        scope = LinkScope(str(payload["a"]), int(payload["y"]), int(payload["r"]), str(payload["u"]))
        expires_at = datetime.fromtimestamp(int(payload["e"]), UTC)
        generation = int(payload["g"])
        scope.rnd  # noqa: B018  (months 1-12)
    except (KeyError, TypeError, ValueError) as exc:  # signed by us, so only an old format lands here
        raise LinkRefused("invalid") from exc
    if (now or datetime.now(UTC)) >= expires_at:
        raise LinkRefused("expired")
    return Link(scope, expires_at, generation)


def url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{ROUTE}{token}"


# --- revocation ---------------------------------------------------------------------------------


def revocations_path(data: DataRoot, agency: str) -> PathLike:
    return data.root / agency / REVOCATIONS


def revoked(data: DataRoot, agency: str) -> list[dict]:
    doc = read_json_current(revocations_path(data, agency), None) or {}
    return list(doc.get("revoked", []))


def _same_scope(entry: dict, scope: LinkScope) -> bool:
    return (entry.get("fiscal_year"), entry.get("round"), entry.get("unit")) == scope.key()


def generation(data: DataRoot, scope: LinkScope) -> int:
    """The generation of the link to make now for ``scope``: one past the last one revoked."""
    gens = [int(e["generation"]) for e in revoked(data, scope.agency) if _same_scope(e, scope)]
    return max(gens, default=-1) + 1


def check_revoked(data: DataRoot, link: Link) -> None:
    for entry in revoked(data, link.scope.agency):
        if _same_scope(entry, link.scope) and int(entry["generation"]) >= link.generation:
            raise LinkRefused("revoked")


def revoke(
    data: DataRoot, scope: LinkScope, by: str = "", reason: str = "", shown: int | None = None
) -> dict:
    """Revoke the link of ``scope`` the admin was shown (``shown``, its generation; the current one when
    not given) and every earlier one; the next link made works.

    The list is changed through ``revisions.update_json`` (a claimed revision), so revocations made at
    the same moment by several api-server workers or hosts are all kept.  Two revocations of the same
    unit's link at once revoke it once: the second finds it revoked and is answered with that entry
    (the page posts the generation it showed, so a press that arrives late does not revoke the new link).
    The revocation made here is also one of the round's actions (who, when, why: the round's page
    lists it, whether it came from the page or the command line)."""
    seen = generation(data, scope) if shown is None else shown  # the link the admin was shown
    entry = {
        "fiscal_year": scope.fiscal_year,
        "round": scope.months,
        "unit": scope.unit,
        "generation": seen,
        "revoked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": by,
        "reason": reason,
    }
    kept: dict = {}

    def add(doc: dict | None) -> dict | None:
        entries = list((doc or {}).get("revoked", []))
        done = [e for e in entries if _same_scope(e, scope) and int(e["generation"]) >= seen]
        if done:
            kept["entry"] = done[0]
            return None
        kept["entry"] = entry
        return {**(doc or {}), "agency": scope.agency, "revoked": [*entries, entry]}

    update_json(revocations_path(data, scope.agency), add)
    if kept["entry"] is entry:
        detail = f"generation {seen}" + (f": {reason}" if reason else "")
        record_action(
            data, scope.agency, Round(scope.fiscal_year, scope.months), "link_revoked", by, scope.unit, detail
        )
    return kept["entry"]


# --- late links ---------------------------------------------------------------------------------


def extend(data: DataRoot, scope: LinkScope, until: datetime, by: str = "") -> dict:
    """Note a late link of ``scope`` (``ita-monitor link --until``): the unit's page and the round's
    page show its due date and the late link, not the expired original."""
    entry = {
        "fiscal_year": scope.fiscal_year,
        "round": scope.months,
        "unit": scope.unit,
        "generation": generation(data, scope),
        "until": until.isoformat(timespec="seconds"),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": by,
    }

    def add(doc: dict | None) -> dict:
        return {**(doc or {}), "agency": scope.agency, "extended": [*(doc or {}).get("extended", []), entry]}

    update_json(revocations_path(data, scope.agency), add)
    return entry


def extended_until(data: DataRoot, scope: LinkScope) -> datetime | None:
    """The latest late due date given to ``scope``'s current link (None: the round's own)."""
    doc = read_json_current(revocations_path(data, scope.agency), None) or {}
    current = generation(data, scope)
    untils = [
        datetime.fromisoformat(e["until"])
        for e in doc.get("extended", [])
        if _same_scope(e, scope) and int(e.get("generation", 0)) == current
    ]
    return max(untils, default=None)


def link_for(
    secret: bytes,
    data: DataRoot,
    scope: LinkScope,
    grace_days: int,
    base_url: str,
    expires_at: datetime | None = None,
) -> str:
    """The URL of ``scope``'s current link (the same for the same scope until it is revoked)."""
    token = make_token(secret, scope, expires_at or expiry(scope.rnd, grace_days), generation(data, scope))
    return url(base_url, token)
