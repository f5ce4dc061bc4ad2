"""A file of the data root as a download: Starlette's ``FileResponse`` (its name in
``Content-Disposition``, RFC 6266 for a Thai name), for the file routes and a unit's form."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from fastapi import HTTPException
from fastapi.responses import FileResponse, Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(target: Any, media_type: str, headers: dict[str, str], inline: bool = False) -> Response:
    """Starlette's ``FileResponse`` of ``target`` (its name in ``Content-Disposition``, RFC 6266 for
    a Thai name; ``inline`` for what the browser shows).  A file of an object-store data root is
    copied to a temporary file first, removed once sent.  404 when there is no such file."""
    from starlette.background import BackgroundTask

    from ita_monitor.model.storage import os_path, read_all

    kind = "inline" if inline else "attachment"
    local = os_path(target)
    if local is not None:
        if not os.path.isfile(local):
            raise HTTPException(404, "ไม่พบไฟล์ / file not found")
        return FileResponse(
            local, media_type=media_type, headers=headers, filename=target.name, content_disposition_type=kind
        )
    try:
        if target.is_dir():
            raise HTTPException(404, "ไม่พบไฟล์ / file not found")
        body = read_all(target)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise HTTPException(404, "ไม่พบไฟล์ / file not found") from exc
    fd, tmp = tempfile.mkstemp(prefix="ita-file-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    return FileResponse(
        tmp,
        media_type=media_type,
        headers=headers,
        filename=target.name,
        content_disposition_type=kind,
        background=BackgroundTask(os.unlink, tmp),
    )
