from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gov_common.pagination import Page
from gov_common.service import DbSession
from service_management.catalogue import service
from service_management.catalogue.schemas import DepartmentOut, ItemDetail, ItemSummary

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/items", response_model=list[ItemSummary])
def list_items(
    session: DbSession,
    page: Page,
    response: Response,
    department: Annotated[str | None, Query(max_length=32)] = None,
) -> list[ItemSummary]:
    """Published service items, newest version of each; X-Total-Count gives the number of all."""
    items, total = service.list_published(session, department=department, page=page)
    page.describe(response, total)
    return [ItemSummary.model_validate(i) for i in items]


@router.get("/items/{code}", response_model=ItemDetail)
def get_item(code: str, session: DbSession) -> ItemDetail:
    """One published service item with its form fields."""
    return ItemDetail.model_validate(service.get_published(session, code))


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(session: DbSession) -> list[DepartmentOut]:
    """The departments that implement service items."""
    return [DepartmentOut.model_validate(d) for d in service.list_departments(session)]
