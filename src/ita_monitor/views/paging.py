"""A page of a long list (the overviews at thousands of agencies): which items, and where it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

PAGE_AGENCIES = 100  # agencies on one page of an overview (``[ita] overview_page_agencies``)


@dataclass(frozen=True)
class Paging:
    number: int  # counted from 1
    pages: int
    first: int  # the place of the page's first item, counted from 1 (0: nothing on it)
    last: int


def paging(total: int, number: int, size: int = PAGE_AGENCIES) -> Paging:
    """Page ``number`` of ``total`` items, ``size`` a page; a number out of range gives the nearest."""
    size = max(1, size)
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    last = min(total, start + size)
    return Paging(number, pages, start + 1 if last > start else 0, last)


def page_of(items: Sequence[T], number: int, size: int = PAGE_AGENCIES) -> tuple[list[T], Paging]:
    p = paging(len(items), number, size)
    return list(items[p.first - 1 : p.last] if p.first else []), p
