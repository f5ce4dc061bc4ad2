"""Rate limits that every api-server worker and host count together, with the ``limits`` library.

The counters live where ``[ita] rate_limit_storage`` says, a ``limits`` storage URI:

- ``redis://host:6379/2`` (or any storage ``limits`` knows): shared by every host, for production;
- empty (the default): a SQLite file beside Airflow's own, ``$AIRFLOW_HOME/ita-rate-limits.sqlite``
  (scheme ``ita-sqlite://``, below), shared by every worker of one host: the demo and the tests.

Windows are fixed (``limits``' fixed-window strategy): at most ``limit`` hits of one key from the
start of a window of ``window`` seconds; the refused are told when the window ends.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from functools import lru_cache
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter


class SQLiteStorage(Storage):
    """A ``limits`` storage in one SQLite file (``ita-sqlite:///<absolute path>``): counters that the
    processes of one machine share, each change in one ``BEGIN IMMEDIATE`` transaction."""

    STORAGE_SCHEME = ["ita-sqlite"]
    DEPENDENCIES: list[str] = []

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        self.path = uri.split("://", 1)[1]
        self._local = threading.local()
        self._calls = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
                "expires REAL NOT NULL)"
            )
            self._local.db = db
        return db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            self._calls += 1
            if self._calls % 1000 == 0:  # forget every ended window now and then
                db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
            else:
                db.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            db.execute(
                "INSERT INTO counters (key, count, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            (count,) = db.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(count)

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT count FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))


def default_uri() -> str:
    from ita_monitor.airflow_layer.settings import AIRFLOW_HOME

    return f"ita-sqlite://{AIRFLOW_HOME / 'ita-rate-limits.sqlite'}"


@lru_cache(maxsize=4)
def _limiter(uri: str) -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(storage_from_string(uri))


def configured_uri() -> str:
    from airflow.sdk import conf

    return (conf.get("ita", "rate_limit_storage", fallback="") or "").strip() or default_uri()


class RateLimit:
    """At most ``limit`` hits per ``window`` seconds per key, counted by every process that uses the
    same storage (``[ita] rate_limit_storage``; ``uri`` for tests)."""

    def __init__(self, name: str, limit: int, window: int, uri: str | None = None):
        self.item = RateLimitItemPerSecond(limit, window, namespace=f"ita-{name}")
        self.limit, self.window, self.uri = limit, window, uri

    def hit(self, key: str) -> float:
        """Count one hit of ``key``: 0 when allowed, else the seconds until its window ends."""
        limiter = _limiter(self.uri or configured_uri())
        if limiter.hit(self.item, key):
            return 0.0
        reset = limiter.get_window_stats(self.item, key).reset_time
        return max(1.0, reset - time.time())
