"""``<agency>/<FY>/links.json``, the record of the link checks of a fiscal year, as pydantic models.

Per link (by id) its URL, state, detail, HTTP status, the sha256 seen, when the state began
(``since``) and when it last worked (``last_ok``); the changes of the last check; a history of checks;
the notices (a change of state between healthy and each broken state, sent once: ``pending_notice`` /
``mark_notified``) and the repairs.  Files written before these models load as they are: unknown
keys are kept and written back, a value of the wrong shape is dropped (``status.Record``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from ita_monitor.links.checker import Outcome
from ita_monitor.links.targets import Link
from ita_monitor.model.messages import LINK_STATES
from ita_monitor.model.status import Record

HEALTHY = ("ok", "slow")
BROKEN = ("changed", "missing", "failing")
STATES = (*HEALTHY, *BROKEN, "unchecked")
STATE_TH = LINK_STATES  # the labels, in the one catalogue
HISTORY_KEPT = 200


class _Part(Record):
    """A part of links.json: written with its JSON names (``from``)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class LinkEntry(_Part):
    """One link as the last check found it."""

    id: str = ""
    kind: str = ""  # document | index | other
    url: str | None = None
    oit_item: str = ""
    label: str = ""
    expected_sha256: str | None = None
    state: str = "unchecked"
    detail: str = ""
    http_status: int | None = None
    elapsed: float | None = None
    sha256: str | None = None
    final_url: str | None = None
    checked_at: str = ""
    since: str = ""
    last_ok: str | None = None


class Change(_Part):
    """A link whose state (or URL) changed at a check; ``notify``: the admin is told about it."""

    id: str = ""
    label: str = ""
    oit_item: str = ""
    url: str | None = None
    old_url: str | None = None
    from_state: str | None = Field(default=None, alias="from")
    to: str | None = None
    detail: str = ""
    at: str = ""
    notify: bool = False


class CheckRecord(_Part):
    checked_at: str = ""
    counts: dict[str, int] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)


class NoticeRecord(_Part):
    """The changes one check has to tell; ``sent_at`` once they were told."""

    at: str = ""
    changes: list[Change] = Field(default_factory=list)
    sent_at: str | None = None


class NotRepairable(_Part):
    id: str = ""
    why: str = ""


class RepairRecord(_Part):
    republished: list[str] = Field(default_factory=list)  # link ids put back
    index_url: str = ""
    not_repairable: list[NotRepairable] = Field(default_factory=list)
    at: str = ""


class LinkHealth(_Part):
    """The whole of links.json."""

    agency: str = ""
    fiscal_year: int | None = None
    checked_at: str = ""
    counts: dict[str, int] = Field(default_factory=dict)
    links: dict[str, LinkEntry] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)
    history: list[CheckRecord] = Field(default_factory=list)
    notices: list[NoticeRecord] = Field(default_factory=list)
    repairs: list[RepairRecord] = Field(default_factory=list)


def _group(state: str | None) -> str | None:
    """ok and slow are one group for notices: only a move between groups is mailed."""
    return "healthy" if state in HEALTHY else state


def _entry(link: Link, out: Outcome, old: LinkEntry | None, now: str) -> LinkEntry:
    same = old is not None and old.state == out.state and old.url == link.url
    return LinkEntry(
        id=link.id,
        kind=link.kind,
        url=link.url,
        oit_item=link.oit_item,
        label=link.label,
        expected_sha256=link.sha256,
        state=out.state,
        detail=out.detail,
        http_status=out.http_status,
        elapsed=out.elapsed,
        sha256=out.sha256,
        final_url=out.final_url,
        checked_at=now,
        since=(old.since or now) if same and old is not None else now,
        last_ok=now if out.state in HEALTHY else (old.last_ok if old is not None else None),
    )


def _change(link: Link, out: Outcome, old: LinkEntry | None, now: str) -> Change | None:
    """The change of ``link`` at this check, or None when its state and URL stayed."""
    old_state = old.state if old is not None else None
    moved = old is not None and old.url != link.url
    if old_state == out.state and not moved:
        return None
    first_and_fine = old_state is None and out.state in HEALTHY
    return Change(
        id=link.id,
        label=link.label,
        oit_item=link.oit_item,
        url=link.url,
        old_url=old.url if moved and old is not None else None,
        from_state=old_state,
        to=out.state,
        detail=out.detail,
        at=now,
        notify=_group(old_state) != _group(out.state) and not first_and_fine and out.state != "unchecked",
    )


def _dropped(link_id: str, old: LinkEntry, now: str) -> Change:
    """A link no longer checked (e.g. an item dropped): said once, not mailed."""
    return Change(
        id=link_id,
        label=old.label or link_id,
        oit_item=old.oit_item,
        url=old.url,
        from_state=old.state,
        to=None,
        detail="ไม่ได้ตรวจแล้ว / no longer checked",
        at=now,
        notify=False,
    )


def record(
    previous: LinkHealth | dict | None,
    agency: str,
    fiscal_year: int,
    links: list[Link],
    outcomes: dict[str, Outcome],
    now: str,
) -> LinkHealth:
    """The new ``links.json`` from the previous one and this check's outcomes."""
    prev = LinkHealth.coerce(previous)
    entries = {link.id: _entry(link, outcomes[link.id], prev.links.get(link.id), now) for link in links}
    changes = [
        c
        for link in links
        if (c := _change(link, outcomes[link.id], prev.links.get(link.id), now)) is not None
    ]
    changes += [_dropped(link_id, old, now) for link_id, old in prev.links.items() if link_id not in entries]
    counts = {s: sum(1 for e in entries.values() if e.state == s) for s in STATES}
    history = [*prev.history, CheckRecord(checked_at=now, counts=counts, changes=changes)]
    notices = list(prev.notices)
    to_notify = [c for c in changes if c.notify]
    if to_notify:
        notices.append(NoticeRecord(at=now, changes=to_notify, sent_at=None))
    return prev.model_copy(
        update={
            "agency": agency,
            "fiscal_year": fiscal_year,
            "checked_at": now,
            "counts": counts,
            "links": entries,
            "changes": changes,
            "history": history[-HISTORY_KEPT:],
            "notices": notices[-HISTORY_KEPT:],
            "repairs": prev.repairs,
        }
    )


def pending_notice(health: LinkHealth | None) -> list[Change]:
    """Changes of state not yet sent to the admin (each sent once), oldest first."""
    return [c for n in (health.notices if health else []) if n.sent_at is None for c in n.changes]


def mark_notified(health: LinkHealth, at: str) -> LinkHealth:
    notices = [n if n.sent_at is not None else n.model_copy(update={"sent_at": at}) for n in health.notices]
    return health.model_copy(update={"notices": notices})


def broken(health: LinkHealth | None) -> list[LinkEntry]:
    return [e for e in (health.links.values() if health else []) if e.state in BROKEN]
