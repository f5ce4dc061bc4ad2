"""The connection to an agency's website, from its Airflow connection (``publish.conn_id``).

WordPress: an HTTP-type connection (host = the site's URL, e.g. ``https://www.example.go.th``, login =
the WordPress user, password = an Application Password), opened with ``WordPressHook``.
SFTP: an SFTP/SSH-type connection (host, port, login, key in extras ``key_file`` or ``private_key``),
opened with the SFTP provider's ``SFTPHook``.  Credentials live only in the connection.
"""

from __future__ import annotations

from ita_monitor.model.agency import Agency
from ita_monitor.publish.factory import Remote


class MissingConnection(Exception):
    """The agency's connection is not defined in Airflow (or cannot be read)."""


def _missing(agency: Agency, exc: Exception) -> MissingConnection:
    target = agency.publish
    return MissingConnection(
        f"ไม่พบ Airflow connection '{target.conn_id}' สำหรับเผยแพร่ไปยัง {target.target} ของ {agency.slug}: "
        f"สร้างใน Admin > Connections (หรือ AIRFLOW_CONN_{target.conn_id.upper()}) แล้วสั่ง clear งานนี้\n"
        f"Airflow connection '{target.conn_id}' for {agency.slug}'s {target.target} target cannot be used "
        f"({type(exc).__name__}: {exc}): define it in Admin > Connections (or as "
        f"AIRFLOW_CONN_{target.conn_id.upper()}), then clear this task"
    )


def wordpress_remote(agency: Agency) -> Remote:
    from ita_monitor.airflow_layer.wordpress_hook import WordPressHook

    hook = WordPressHook(wordpress_conn_id=agency.publish.conn_id)
    try:
        hook.get_conn()  # a requests.Session with the credentials: nothing is sent yet
    except Exception as exc:
        raise _missing(agency, exc) from exc
    return Remote(label=hook.base_url, open=hook.get_conn, close=hook.close)


def sftp_remote(agency: Agency) -> Remote:
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    try:
        # One try per call: retrying is the task's (Airflow's retries with backoff, on a new connection).
        hook = SFTPHook(ssh_conn_id=agency.publish.conn_id, conn_retry_attempts=1)
    except Exception as exc:
        raise _missing(agency, exc) from exc

    def close() -> None:
        hook.close_conn()  # the provider's own reset of the SFTP channel
        ssh, hook.client = hook.client, None  # close_conn leaves the SSH connection under it open
        if ssh is not None:
            ssh.close()

    def open_client():
        close()  # a fresh connection: the previous one may be broken
        return hook.get_conn()

    return Remote(
        label=f"sftp://{hook.username}@{hook.remote_host}:{hook.port}", open=open_client, close=close
    )


def remote_for(agency: Agency) -> Remote | None:
    """The Remote for the agency's target; None for the static folder target."""
    if agency.publish.target == "wordpress":
        return wordpress_remote(agency)
    if agency.publish.target == "sftp":
        return sftp_remote(agency)
    return None
