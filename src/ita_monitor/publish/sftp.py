"""Publish by copying files into the web server's document root over SFTP.

The same folder layout and index page as the static target (``static.FolderPublisher``), on a remote
folder: each file is uploaded under a temporary name and renamed over the old one (POSIX rename), so
the site never serves a half-written PDF or index page.  A failed remote call raises
``PublishFailed`` (the task's retries try again, on a new connection); the connection comes from a
``connect`` callable (in Airflow: the SFTP provider's
``SFTPHook`` on the agency's connection), so this module needs no Airflow.
"""

from __future__ import annotations

import errno
import posixpath
import socket
import stat
import uuid
from collections.abc import Callable
from typing import Any

from ita_monitor.publish.base import PublishFailed, call_target
from ita_monitor.publish.static import FolderPublisher


def _classify(exc: BaseException) -> bool | None:
    """True = the server is down or the link broke (transient); False = refused (fix settings)."""
    import paramiko

    if isinstance(exc, paramiko.AuthenticationException | paramiko.BadHostKeyException):
        return False
    if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
        return False
    if isinstance(exc, paramiko.SSHException | EOFError | socket.error | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, OSError):  # a broken channel shows as OSError("Socket is closed")
        return True
    return None


class SftpTree:
    """A remote folder reached through an SFTP client (paramiko ``SFTPClient`` or alike)."""

    def __init__(self, connect: Callable[[], Any], root: str, label: str):
        self._connect = connect
        self._client = None
        self.root = root.rstrip("/") or "/"
        self.label = label  # sftp://user@host:port/root, for messages

    # -- connection -------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    def _call(self, action: str, fn: Callable[[], Any]) -> Any:
        return call_target(f"SFTP {self.label}", action, fn, _classify)

    def _abs(self, rel: str) -> str:
        return posixpath.join(self.root, rel) if rel else self.root

    # -- Tree -------------------------------------------------------------------------------
    def read(self, rel: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                with self.client.open(self._abs(rel), "rb") as f:
                    return f.read()
            except FileNotFoundError:
                return None

        return self._call(f"reading {self._abs(rel)}", read)

    def exists(self, rel: str) -> bool:
        def exists() -> bool:
            try:
                self.client.stat(self._abs(rel))
                return True
            except FileNotFoundError:
                return False

        return self._call(f"checking {self._abs(rel)}", exists)

    def _makedirs(self, folder: str) -> None:
        missing = []
        while folder not in ("", "/"):
            try:
                if stat.S_ISDIR(self.client.stat(folder).st_mode):
                    break
            except FileNotFoundError:
                missing.append(folder)
                folder = posixpath.dirname(folder)
                continue
            raise NotADirectoryError(folder)
        for d in reversed(missing):
            try:
                self.client.mkdir(d, 0o755)
            except OSError:
                if not stat.S_ISDIR(self.client.stat(d).st_mode):
                    raise

    def write(self, rel: str, data: bytes) -> None:
        path = self._abs(rel)

        def write() -> None:
            self._makedirs(posixpath.dirname(path))
            tmp = f"{posixpath.dirname(path)}/.{posixpath.basename(path)}.{uuid.uuid4().hex[:8]}.part"
            try:
                with self.client.open(tmp, "wb") as f:
                    f.set_pipelined(True)
                    f.write(data)
                self.client.chmod(tmp, 0o644)
                self._replace(tmp, path)
            except BaseException:
                try:
                    self.client.remove(tmp)
                except Exception:
                    pass
                raise

        self._call(f"uploading {path}", write)

    def _replace(self, tmp: str, path: str) -> None:
        """Rename over the old file in one step (OpenSSH's posix-rename); servers without it get
        remove-then-rename, which leaves the name missing for an instant but never half-written."""
        try:
            self.client.posix_rename(tmp, path)
        except OSError as exc:
            if "unsupported" not in str(exc).lower() and "not supported" not in str(exc).lower():
                raise
            try:
                self.client.remove(path)
            except FileNotFoundError:
                pass
            self.client.rename(tmp, path)

    def subdirs(self) -> list[str]:
        def subdirs() -> list[str]:
            try:
                return [a.filename for a in self.client.listdir_attr(self.root) if stat.S_ISDIR(a.st_mode)]
            except FileNotFoundError:
                return []

        return self._call(f"listing {self.root}", subdirs)

    def where(self, rel: str) -> str:
        return f"{self.label.rstrip('/')}/{rel}"


class SftpPublisher(FolderPublisher):
    """Files and the index page in a remote document root (``publish.path``), served at ``base_url``."""

    name = "sftp"

    def __init__(self, tree: SftpTree, base_url: str, renderer):
        super().__init__(tree, base_url, renderer)

    def close(self) -> None:
        self.tree.close()


__all__ = ["PublishFailed", "SftpPublisher", "SftpTree"]
