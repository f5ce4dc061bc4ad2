"""Real services shared by the integration tests, started by the project's own scripts and always stopped.
Defined here once, so every test directory below shares one instance of each (two definitions of a
session fixture would start the same server twice on one port).

- ``smtp_maildir`` / ``inbox_of_mail``: aiosmtpd on 127.0.0.1:8025 (scripts/services/smtp.sh) and its Maildir;
- ``imap_server``: dovecot on 127.0.0.1:1143 with one mailbox (scripts/services/dovecot.sh);

- ``wordpress``: Debian's WordPress served by ``php -S`` on 127.0.0.1:8091 with a fresh database in the
  running MariaDB (scripts/services/wordpress.sh), an admin and an Application Password;
- ``sftp_site``: sshd on 127.0.0.1:2222 (key auth, SFTP only, a local user; scripts/services/sshd.sh)
  writing into a document root that nginx serves on 127.0.0.1:8092 (scripts/services/nginx.sh).

The tests stop and restart a target to check a publish while it is down; a session keeps one site.
"""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import AGENCIES, ROOT, skip_or_fail

SCRIPTS = ROOT / "scripts" / "services"
SMTP_SCRIPT = SCRIPTS / "smtp.sh"
SMTP_PORT = 8025


def _run(*args: str | Path) -> None:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def services_dir():
    """State of the services, in the system's temporary folder: the SFTP user must reach its document
    root and sshd reads the user's key as the user, so every parent folder must be world-traversable
    (a checkout under /root would not be)."""
    path = Path(tempfile.mkdtemp(prefix="ita-publish-services-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Service:
    script: Path
    args: list
    url: str
    extra: dict = field(default_factory=dict)

    def start(self) -> None:
        _run(self.script, "start", *self.args)

    def stop(self) -> None:
        _run(self.script, "stop", self.args[0])


@pytest.fixture(scope="session")
def wordpress(services_dir):
    if not (
        shutil.which("php") and shutil.which("curl") and Path("/usr/share/wordpress/wp-settings.php").exists()
    ):
        skip_or_fail("WordPress tests need Debian packages wordpress php-cli php-mysql curl")
    if not _port_open(3306):
        skip_or_fail("WordPress tests need MariaDB/MySQL on 127.0.0.1:3306 (root, no password)")
    if _port_open(8091):
        skip_or_fail("port 8091 (the test WordPress) is already taken")
    state = services_dir / "wordpress"
    script = SCRIPTS / "wordpress.sh"
    service = Service(script, [state], "http://127.0.0.1:8091")
    try:
        service.start()
        service.extra.update(user="ita-admin", password=(state / "app-password").read_text().strip())
        yield service
    finally:
        subprocess.run([script, "drop", state], capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def sftp_site(services_dir):
    for binary in ("/usr/sbin/sshd", "/usr/sbin/nginx"):
        if not Path(binary).exists():
            skip_or_fail(f"SFTP tests need {binary} (Debian packages openssh-server nginx)")
    if os.geteuid() != 0:
        skip_or_fail("SFTP tests need root (they create a local user for sshd)")
    for port in (2222, 8092):
        if _port_open(port):
            skip_or_fail(f"port {port} (test sshd/nginx) is already taken")
    ssh_dir, nginx_dir = services_dir / "sshd", services_dir / "nginx"
    docroot = services_dir / "www"
    sshd = Service(SCRIPTS / "sshd.sh", [ssh_dir, docroot], "sftp://ita-sftp@127.0.0.1:2222")
    nginx = Service(SCRIPTS / "nginx.sh", [nginx_dir, docroot], "http://127.0.0.1:8092")
    try:
        sshd.start()
        nginx.start()
        sshd.extra.update(
            user="ita-sftp",
            key_file=str(ssh_dir / "id_ed25519"),
            docroot=docroot,
            http=nginx.url,
            nginx=nginx,
        )
        yield sshd
    finally:
        subprocess.run([SCRIPTS / "nginx.sh", "stop", nginx_dir], capture_output=True, timeout=60)
        subprocess.run([SCRIPTS / "sshd.sh", "stop", ssh_dir], capture_output=True, timeout=60)


def agencies_with_target(tmp_path: Path, slug: str, **publish) -> Path:
    """A copy of the sample agencies dir whose agency ``slug`` (a copy of mae-u-kho) publishes as given."""
    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES / "catalogue", agencies / "catalogue")
    shutil.copytree(AGENCIES / "mae-u-kho", agencies / slug)
    profile = agencies / slug / "agency.yaml"
    doc = yaml.safe_load(profile.read_text(encoding="utf-8"))
    doc["publish"] = publish
    doc["approval"] = False
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return agencies


def live_links(page_url: str) -> list[str]:
    """The PDF links on a live page."""
    import re

    html = requests.get(page_url, timeout=30)
    html.raise_for_status()
    return re.findall(r'href="([^"]+\.pdf)"', html.text)


@pytest.fixture(scope="session")
def smtp_maildir(tmp_path_factory):
    """aiosmtpd started for this session and always stopped; yields its Maildir folder."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        skip_or_fail("aiosmtpd is not installed")
    state = tmp_path_factory.mktemp("smtp")
    started = subprocess.run(
        [str(SMTP_SCRIPT), "start", str(state)],
        capture_output=True,
        text=True,
        env={"ITA_SMTP_PORT": str(SMTP_PORT)},
    )
    if started.returncode != 0:
        subprocess.run([str(SMTP_SCRIPT), "stop", str(state)], capture_output=True)
        skip_or_fail(f"SMTP server did not start: {started.stderr[-500:]}")
    try:
        yield state / "maildir"
    finally:
        subprocess.run([str(SMTP_SCRIPT), "stop", str(state)], capture_output=True)


@pytest.fixture
def inbox_of_mail(smtp_maildir, monkeypatch) -> mailbox.Maildir:
    """The server's Maildir, emptied, with the Airflow SMTP connection ``ita_smtp`` pointing at it."""
    box = mailbox.Maildir(smtp_maildir, create=False)
    for key in list(box.keys()):
        box.remove(key)
    conn = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": SMTP_PORT,
        "extra": {
            "disable_tls": True,
            "disable_ssl": True,
            "from_email": "ita@maeukho.example",
            "timeout": 10,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_ITA_SMTP", json.dumps(conn))
    return box


DOVECOT = SCRIPTS / "dovecot.sh"
IMAP_PORT = 1143
MAILBOX = "ita@test-town.example"
MAILBOX_PASSWORD = "secret"


@pytest.fixture(scope="session")
def imap_server():
    """dovecot started for this session (one mailbox, ``MAILBOX``) and always stopped."""
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
        skip_or_fail("dovecot is not installed (Debian dovecot-imapd)")
    # not under pytest's basetemp: each new pytest session (any helper's) sets that back to 0700, which
    # would lock the dovecot user out of its users file and mail midway
    state = Path(tempfile.mkdtemp(prefix="ita-dovecot-"))
    env = {"ITA_IMAP_PORT": str(IMAP_PORT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    started = subprocess.run(
        [str(DOVECOT), "start", str(state), f"{MAILBOX}:{MAILBOX_PASSWORD}"],
        capture_output=True,
        text=True,
        env=env,
    )
    if started.returncode != 0:
        subprocess.run([str(DOVECOT), "stop", str(state)], capture_output=True, env=env)
        skip_or_fail(f"dovecot did not start: {started.stderr[-500:]}")
    try:
        yield state
    finally:
        subprocess.run([str(DOVECOT), "stop", str(state)], capture_output=True, env=env)
        shutil.rmtree(state, ignore_errors=True)
