"""Pick the publisher an agency's profile asks for.

Targets on another server need a ``Remote``: how to open the connection and what to call it in
messages.  The Airflow layer makes it from the agency's Airflow connection (``publish.conn_id``) with
the providers' hooks (airflow_layer/remotes.py); tests and the benchmark make it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ita_monitor.model.agency import Agency
from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.storage import DataRoot
from ita_monitor.publish.base import Publisher
from ita_monitor.publish.static import StaticSitePublisher


@dataclass(frozen=True)
class Remote:
    """A connection to a target server, opened only when first needed (a dry run never opens it)."""

    label: str  # wordpress: the site's base URL; sftp: sftp://user@host:port (never a secret)
    open: Callable[
        [], Any
    ]  # wordpress: a requests.Session carrying the credentials (WordPressHook); sftp: an SFTP client
    close: Callable[[], None] | None = None  # releases what ``open`` made (e.g. the SSH transport)


def _problem(agency: Agency, where: str, th: str, en: str) -> InputError:
    return InputError([Problem(f"{agency.slug}/agency.yaml", where, th, en)])


def publisher_for(agency: Agency, data: DataRoot, renderer, remote: Remote | None = None) -> Publisher:
    target = agency.publish
    if target.target == "static":
        site = data.site(target.path)
        return StaticSitePublisher(site, target.base_url, renderer)
    if not target.conn_id:
        raise _problem(
            agency,
            "publish.conn_id",
            f"ปลายทาง {target.target} ต้องระบุ conn_id ของ Airflow connection ที่เก็บที่อยู่และรหัสผ่าน",
            f"target {target.target} needs conn_id: the Airflow connection holding its address and credentials",
        )
    if remote is None:
        raise ValueError(f"publish target {target.target} needs a Remote (connection {target.conn_id})")
    if target.target == "wordpress":
        from ita_monitor.publish.wordpress import WordPressPublisher

        return WordPressPublisher(
            remote.open,
            remote.label,
            agency.slug,
            target.page_title,
            target.page_slug,
            renderer,
        )
    if target.target == "sftp":
        from ita_monitor.publish.sftp import SftpPublisher, SftpTree

        if not target.path.startswith("/"):
            raise _problem(
                agency,
                "publish.path",
                "ปลายทาง sftp ต้องระบุ path เป็นโฟลเดอร์เต็มบนเซิร์ฟเวอร์ เช่น /var/www/html/ita",
                "target sftp needs path: the absolute folder on the server, e.g. /var/www/html/ita",
            )
        tree = SftpTree(remote.open, target.path, f"{remote.label.rstrip('/')}{target.path}")
        return SftpPublisher(tree, target.base_url, renderer)
    raise _problem(
        agency,
        "publish.target",
        f"ยังไม่รองรับปลายทาง {target.target}",
        f"publish target {target.target} is not available",
    )
