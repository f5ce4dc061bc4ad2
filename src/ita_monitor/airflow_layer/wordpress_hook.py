"""``WordPressHook``: an agency's WordPress site, in the shape of Airflow's provider hooks.

The connection is an HTTP-type Airflow connection (so the ordinary connection form fits it): host =
the site's URL (``https://www.example.go.th``, or a host with ``schema`` http/https), optional port,
login = the WordPress user, password = an Application Password.  ``get_conn()`` gives a
``requests.Session`` carrying those credentials, made once per hook (``cached_property``); nothing is
sent until a publisher uses it.  Hooks are made only inside tasks (``remotes.wordpress_remote``).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook


class WordPressHook(BaseHook):
    """The REST API of one WordPress site, authenticated with an Application Password."""

    conn_name_attr = "wordpress_conn_id"
    default_conn_name = "wordpress_default"
    conn_type = "http"
    hook_name = "WordPress"

    def __init__(self, wordpress_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wordpress_conn_id = wordpress_conn_id

    @cached_property
    def connection(self):
        return self.get_connection(self.wordpress_conn_id)

    @cached_property
    def base_url(self) -> str:
        """The site's URL as the connection gives it (scheme, host, port), without a trailing slash."""
        conn = self.connection
        host = (conn.host or "").rstrip("/")
        url = host if "://" in host else f"{conn.schema or 'http'}://{host}"
        return f"{url}:{conn.port}" if conn.port else url

    @cached_property
    def client(self):
        """A ``requests.Session`` with the user and the Application Password (one per hook)."""
        import requests

        conn = self.connection
        if not (conn.login and conn.password):
            raise ValueError("login and password (the Application Password) are required")
        session = requests.Session()
        session.auth = (conn.login, conn.password)
        return session

    def get_conn(self):
        return self.client

    def close(self) -> None:
        """Release the session's connections (the hook can open a new one afterwards)."""
        session = self.__dict__.pop("client", None)
        if session is not None:
            session.close()
