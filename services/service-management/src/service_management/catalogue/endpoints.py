from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gov_common.service import DbSession
from service_management.catalogue import service
from service_management.catalogue.schemas import DepartmentOut, ItemDetail, ItemPage, ItemSummary

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/items", response_model=ItemPage)
def list_items(
    session: DbSession,
    department: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ItemPage:
    """Published service items, newest version of each."""
    items, total = service.list_published(session, department=department, page=page, page_size=page_size)
    return ItemPage(items=[ItemSummary.model_validate(i) for i in items], total=total, page=page, page_size=page_size)


@router.get("/items/{code}", response_model=ItemDetail)
def get_item(code: str, session: DbSession) -> ItemDetail:
    """One published service item with its form fields."""
    return ItemDetail.model_validate(service.get_published(session, code))


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(session: DbSession) -> list[DepartmentOut]:
    """The departments that implement service items."""
    return [DepartmentOut.model_validate(d) for d in service.list_departments(session)]
