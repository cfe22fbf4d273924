"""Lists answer a JSON array of one page; the headers say where it sits in the whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Response

TOTAL_HEADER = "X-Total-Count"
PAGE_HEADER = "X-Page"
PAGE_SIZE_HEADER = "X-Page-Size"
HEADERS = (TOTAL_HEADER, PAGE_HEADER, PAGE_SIZE_HEADER)


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def describe(self, response: Response, total: int) -> None:
        response.headers[TOTAL_HEADER] = str(total)
        response.headers[PAGE_HEADER] = str(self.page)
        response.headers[PAGE_SIZE_HEADER] = str(self.page_size)


def _page_request(
    page: Annotated[int, Query(ge=1, le=100000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="items per page")] = 20,
) -> PageRequest:
    return PageRequest(page=page, page_size=page_size)


Page = Annotated[PageRequest, Depends(_page_request)]
