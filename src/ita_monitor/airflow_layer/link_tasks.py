"""The link-health DAG's tasks: thin calls into ``ita_monitor.links`` for one agency.

Which fiscal years: the trigger form's ``fiscal_year``; a scheduled run checks the years whose
assessment period (catalogue ``assessment`` or the agency's ``oit/<FY>.yaml``) holds the run's day,
and does nothing outside it; a manual run without a year checks the current fiscal year.
"""

from __future__ import annotations

import logging

from airflow.sdk import Param, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from ita_monitor.airflow_layer import settings
from ita_monitor.airflow_layer.tasks import fiscal_year_param

log = logging.getLogger(__name__)


def link_params() -> dict[str, Param]:
    return {
        "fiscal_year": fiscal_year_param(
            "ปีที่อยู่ในช่วงประเมิน หรือปีปัจจุบัน", "the assessed year, or the current one"
        ),
        "repair": Param(
            False,
            type="boolean",
            title="ซ่อมลิงก์ที่เสีย / Repair broken links",
            description="เผยแพร่เอกสารที่เสียใหม่แล้วตรวจซ้ำ / republish broken documents, then check again",
        ),
    }


def _years(slug: str) -> list:
    from ita_monitor.links.year import years_to_check
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import BANGKOK

    ctx = get_current_context()
    day = ctx["dag_run"].run_after.astimezone(BANGKOK).date()
    run_type = str(getattr(ctx["dag_run"].run_type, "value", ctx["dag_run"].run_type))
    try:
        years = years_to_check(
            settings.agencies_dir(),
            slug,
            settings.data(),
            day,
            ctx["params"].get("fiscal_year"),
            scheduled=run_type == "scheduled",
        )
    except InputError as exc:
        raise AirflowFailException(f"ตั้งค่าไม่ถูกต้อง / configuration problem:\n{exc}") from exc
    if not years:
        log.info("%s: no fiscal year is in its assessment period on %s: nothing to check", slug, day)
    return years


@task
def check_links(slug: str) -> dict:
    """Fetch every link of the year(s); keep the states in links.json; rewrite the readiness sheet."""
    from ita_monitor.links.run import run_check

    out = {}
    for year in _years(slug):
        health = run_check(year, settings.link_check_settings(), settings.renderer())
        for c in health.changes:
            log.info("%s %s: %s -> %s %s", c.oit_item, c.url, c.from_state, c.to, c.detail)
        out[str(year.fiscal_year)] = health.counts
        log.info("Fiscal year %s: %s", year.fiscal_year, health.counts)
    return out


@task
def repair_links(slug: str) -> dict:
    """With ``repair``: put each broken document back (same place, or a new WordPress media item with
    the page updated), then check again.  Without it: nothing."""
    from ita_monitor.airflow_layer.remotes import MissingConnection, remote_for
    from ita_monitor.links.record import broken
    from ita_monitor.links.repair import repair
    from ita_monitor.links.run import run_check
    from ita_monitor.model.errors import InputError
    from ita_monitor.publish.base import PublishFailed
    from ita_monitor.publish.factory import publisher_for

    if not get_current_context()["params"].get("repair"):
        log.info("No repair asked (trigger with repair = true to repair)")
        return {}
    out = {}
    for year in _years(slug):
        if not broken(year.health()):
            log.info("Fiscal year %s: no broken link", year.fiscal_year)
            continue
        try:
            remote = remote_for(year.agency)
            publisher = publisher_for(year.agency, year.data, settings.renderer(), remote)
        except (MissingConnection, InputError) as exc:
            raise AirflowFailException(str(exc)) from exc
        try:
            result = repair(year, publisher)
        except PublishFailed as exc:
            if not exc.transient:
                raise AirflowFailException(str(exc)) from exc
            raise
        finally:
            if remote is not None and remote.close is not None:
                remote.close()
        for item in result.not_repairable:
            log.warning("%s: %s", item["id"], item["why"])
        health = run_check(year, settings.link_check_settings(), settings.renderer())
        log.info("Repaired %s; checked again: %s", result.republished, health.counts)
        out[str(year.fiscal_year)] = {"repaired": result.republished, "counts": health.counts}
    return out


def send_line(agency, year_dir, fiscal_year: int, text: str) -> bool:
    """Push a link-health notice to the admin's LINE group (``line.admin_group``), once per notice text;
    whether it was pushed.  Like every LINE push it never fails the task: errors are logged and kept in
    ``<FY>/outbox/line.json``."""
    import hashlib

    from ita_monitor.airflow_layer.line import push, safely
    from ita_monitor.intake.line import Notice

    if agency.line is None or not agency.line.admin_group:
        return False
    key = f"links:{fiscal_year}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    notice = Notice(key=key, unit="admin", group=agency.line.admin_group, text=text)
    return bool(safely(push, agency, year_dir, [notice]).get("pushed"))


@task(trigger_rule="none_failed")
def notify_admin(slug: str) -> list[dict]:
    """Mail the admin each change of state not yet told (once); nothing when nothing changed."""
    from ita_monitor.airflow_layer.mail import _connection_exists, send_admin, smtp_conn_id
    from ita_monitor.links.notice import notice
    from ita_monitor.links.record import pending_notice
    from ita_monitor.links.run import notify_done
    from ita_monitor.model.names import links_url

    sent = []
    to = [a.strip() for a in settings.get("admin_email").split(",") if a.strip()]
    for year in _years(slug):
        changes = pending_notice(year.health())
        if not changes:
            continue
        base = settings.base_url()
        page = links_url(base, year.slug, year.fiscal_year) if base else ""
        mail = notice(year.agency, year.fiscal_year, changes, page)
        conn_id = smtp_conn_id()
        mailed = bool(to) and _connection_exists(conn_id)
        if mailed:
            send_admin(conn_id, year.agency, to, mail)
        lined = send_line(year.agency, year.folder, year.fiscal_year, mail.text)
        if not (mailed or lined):
            log.warning(
                "ยังไม่ได้แจ้ง %d รายการ: ตั้ง [ita] admin_email และ connection %r (หรือ line.admin_group) / "
                "%d change(s) not told: set [ita] admin_email and the SMTP connection %r, or line.admin_group "
                "(they stay pending)",
                len(changes),
                conn_id,
                len(changes),
                conn_id,
            )
            continue
        notify_done(year)
        log.info("Told %s about %d change(s): %s", ", ".join(to) or "LINE", len(changes), mail.subject)
        sent.append({"fiscal_year": year.fiscal_year, "to": to, "line": lined, "changes": len(changes)})
    return sent
