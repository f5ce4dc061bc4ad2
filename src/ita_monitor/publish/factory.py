"""Pick the publisher an agency's profile asks for."""

from __future__ import annotations

from ita_monitor.config import Agency
from ita_monitor.errors import InputError, Problem
from ita_monitor.publish.base import Publisher
from ita_monitor.publish.static import StaticSitePublisher
from ita_monitor.storage import DataRoot


def publisher_for(agency: Agency, data: DataRoot, renderer) -> Publisher:
    target = agency.publish
    if target.target == "static":
        site = data.site(target.path)
        return StaticSitePublisher(site, target.base_url, renderer)
    raise InputError(
        [
            Problem(
                f"{agency.slug}/agency.yaml",
                "publish.target",
                f"ยังไม่รองรับปลายทาง {target.target}",
                f"publish target {target.target} is not available yet",
            )
        ]
    )
