"""Who is asking is checked before a request's body is read: a slow, large body gets its 401/403 while
most of it is still unsent.  A real HTTP server (uvicorn, as the api-server runs) with Airflow's whole
app, on a free port of 127.0.0.1, and a raw socket that sends the body slowly."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from tests.airflow.approvals import token_for

pytestmark = pytest.mark.airflow
BODY = 4 * 1024 * 1024  # within the upload limit: only who is asking can stop it early
SENT_BEFORE_WAITING = 64 * 1024


@pytest.fixture(scope="module")
def server(airflow_db):
    import uvicorn
    from airflow.api_fastapi.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(apps="core"), log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    port = sock.getsockname()[1]
    # the page's own origin is configuration ([ita] allowed_origins), never the request's Host
    before = os.environ.get("AIRFLOW__ITA__ALLOWED_ORIGINS")
    os.environ["AIRFLOW__ITA__ALLOWED_ORIGINS"] = f"http://127.0.0.1:{port}"
    yield port
    if before is None:
        os.environ.pop("AIRFLOW__ITA__ALLOWED_ORIGINS", None)
    else:
        os.environ["AIRFLOW__ITA__ALLOWED_ORIGINS"] = before
    srv.should_exit = True
    thread.join(10)


def slow_post(port: int, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """POST a BODY-byte multipart, sending SENT_BEFORE_WAITING bytes and then 64 KiB every 0.5 s;
    returns (status, body bytes sent when the answer came)."""
    boundary = "ita-slow-body"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Origin: http://127.0.0.1:{port}",
        f"Content-Type: multipart/form-data; boundary={boundary}",
        f"Content-Length: {BODY}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        s.sendall(head + b"x" * (SENT_BEFORE_WAITING - len(head)))
        sent = SENT_BEFORE_WAITING
        s.setblocking(False)
        answer = b""
        while sent < BODY:
            try:
                answer += s.recv(65536)
            except BlockingIOError:
                pass
            if b"\r\n" in answer:
                break
            time.sleep(0.5)
            try:
                s.sendall(b"x" * min(65536, BODY - sent))
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
            sent += min(65536, BODY - sent)
        s.setblocking(True)
        while b"\r\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, sent


def test_a_refused_link_is_answered_before_the_body_is_read(server, data_root):
    status, sent = slow_post(server, "/ita/u/not-a-token/upload", {})
    assert status == 403 and sent <= SENT_BEFORE_WAITING + 4 * 65536, (status, sent)


ACTIONS = ["upload", "approve", "rerun", "revoke-link"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), (("nobody", None), 403), (("viewer", "viewer"), 403)],
)
def test_login_and_access_are_checked_before_the_body_is_read(server, data_root, action, who, status):
    headers = {"Authorization": f"Bearer {token_for(*who)}"} if who else {}
    got, sent = slow_post(server, f"/ita/a/mae-u-kho/2565/round-12/{action}", headers)
    assert got == status and sent <= SENT_BEFORE_WAITING + 4 * 65536, (got, sent)
