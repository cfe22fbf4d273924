from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from data_sharing.quality import service
from data_sharing.quality.schemas import QualityReportOut, ReportIn, RuleOut
from gov_common.auth import CurrentPrincipal
from gov_common.pagination import Page
from gov_common.params import RowId
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])
_STAFF_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "Only the admin and the owning department"}}


@router.get("/rules/{resource}", response_model=list[RuleOut], responses={422: {"description": "Not a registry"}})
def rules(resource: str, principal: CurrentPrincipal) -> list[RuleOut]:
    """The validation rules of a registry resource (the same ones its import applies)."""
    return service.rules_of(resource)


@router.post("/reports", status_code=201, response_model=QualityReportOut, responses=_STAFF_ONLY)
def create_report(body: ReportIn, principal: CurrentPrincipal, session: DbSession) -> QualityReportOut:
    """Measure a registry resource now: completeness, validity and duplicates."""
    return QualityReportOut.model_validate(
        service.create_on_demand(session, principal=principal, resource=body.resource)
    )


@router.get("/reports", response_model=list[QualityReportOut], responses=_STAFF_ONLY)
def list_reports(
    resource: str, principal: CurrentPrincipal, session: DbSession, page: Page, response: Response
) -> list[QualityReportOut]:
    """A resource's quality reports, newest first."""
    reports, total = service.list_reports(session, principal=principal, resource=resource, page=page)
    page.describe(response, total)
    return [QualityReportOut.model_validate(r) for r in reports]


@router.get(
    "/reports/{report_id}", response_model=QualityReportOut, responses={**_STAFF_ONLY, 404: {"description": "None"}}
)
def get_report(report_id: RowId, principal: CurrentPrincipal, session: DbSession) -> QualityReportOut:
    """One quality report."""
    return QualityReportOut.model_validate(service.get_report(session, principal=principal, report_id=report_id))
