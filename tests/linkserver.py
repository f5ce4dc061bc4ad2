"""A tiny web server for the link-health tests, started by the test itself on an ephemeral port of
127.0.0.1: it serves a folder like any static site, and can be told to misbehave on one path – answer
500, answer too slowly, or redirect in a loop – the faults nginx, WordPress and sshd cannot be asked
for.  A fault may be bound to the file as it is now (its inode and mtime): a broken cached copy that
lasts until the file is written again, which is what a republish to the same place does.
"""

from __future__ import annotations

import os
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FaultyServer:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.faults: dict[str, tuple[str, tuple | None]] = {}  # path -> (fault, file identity or None)
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kw):
                super().__init__(*args, directory=str(server.folder), **kw)

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                with server._lock:
                    server.requests += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    fault = server.fault_for(self.path.split("?")[0])
                    if fault == "500":
                        self.send_error(500, "Internal Server Error")
                    elif fault == "loop":
                        self.send_response(302)
                        self.send_header("Location", self.path)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    elif fault and fault.startswith("slow"):
                        time.sleep(float(fault.removeprefix("slow:") or 5))
                        super().do_GET()
                    else:
                        super().do_GET()
                finally:
                    with server._lock:
                        server.in_flight -= 1

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that gave up (timeout): expected
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _identity(self, path: str) -> tuple | None:
        file = self.folder / path.lstrip("/")
        try:
            st = os.stat(file)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def fail(self, path: str, fault: str, until_rewritten: bool = False) -> None:
        """``fault``: "500", "loop", "slow:<seconds>"; ``until_rewritten``: only while the file is unchanged."""
        self.faults[path] = (fault, self._identity(path) if until_rewritten else None)

    def fault_for(self, path: str) -> str | None:
        fault = self.faults.get(path)
        if fault is None:
            return None
        kind, identity = fault
        if identity is not None and self._identity(path) != identity:
            return None
        return kind

    def __enter__(self) -> FaultyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
