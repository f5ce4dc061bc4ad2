"""Airflow's root app in the request scope, for ``runs.call_api``.

A root middleware of the api-server (registered by the plugin) that imports nothing heavy, since
every Airflow process loads the plugin: it lets the ITA page call the public REST API in-process,
through all of Airflow's auth, as the logged-in user.
"""

from __future__ import annotations

from typing import Any

ROOT_APP_KEY = "ita_monitor.root_app"


class RootAppRecorder:
    """Keeps Airflow's root ASGI app in the request scope under ``ROOT_APP_KEY``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and ROOT_APP_KEY not in scope and "app" in scope:
            scope[ROOT_APP_KEY] = scope["app"]
        await self.app(scope, receive, send)
