"""The PDFs of a round's report folder and of a year's plan, as links for the ITA page and the
approver, with their size and number of pages (read with pypdf)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, PathLike, list_files


@dataclass
class FileLink:
    label: str
    path: str  # relative to the agency's folder in the data root (for the files route)
    bytes: int | None = None
    pages: int | None = None


def pdf_pages(data: bytes) -> int | None:
    """Number of pages of a PDF, or None when it cannot be read as one."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(data)).pages) or None
    except (PyPdfError, ValueError, KeyError, OSError):
        return None


def pdf_links(
    folder: PathLike, rel: str, label: str, memo_label: str, count_pages: bool = True
) -> list[FileLink]:
    """The PDFs in ``folder`` (``rel`` under the agency's folder), the document first, memos after it."""
    links = []
    for f in list_files(folder):
        if not f.name.lower().endswith(".pdf"):
            continue
        size = pages = None
        if count_pages:
            try:
                body = f.read_bytes()
                size, pages = len(body), pdf_pages(body)
            except OSError:
                pass
        is_memo = "memo" in f.name.lower()
        links.append(FileLink(memo_label if is_memo else label, f"{rel}/{f.name}", size, pages))
    return sorted(links, key=lambda link: ("memo" in link.path.lower(), link.path))


def report_files(data: DataRoot, slug: str, rnd: Round, count_pages: bool = True) -> list[FileLink]:
    """The PDFs in the round's report folder (the report, its covering memo)."""
    return pdf_links(
        data.round_dir(slug, rnd) / "report",
        f"{rnd.fiscal_year}/{rnd.slug}/report",
        "รายงาน / report",
        "บันทึกข้อความนำส่ง / covering memo",
        count_pages,
    )


def plan_files(data: DataRoot, slug: str, fiscal_year: int, count_pages: bool = True) -> list[FileLink]:
    """The PDFs of the year's plan (the measures, the approval memo)."""
    return pdf_links(
        data.plan_dir(slug, fiscal_year),
        f"{fiscal_year}/plan",
        "มาตรการ / measures",
        "บันทึกขออนุมัติ / approval memo",
        count_pages,
    )
