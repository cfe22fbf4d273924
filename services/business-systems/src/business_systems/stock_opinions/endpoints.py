"""Stock opinions (常用意见): this department's reviewers read them to fill the opinion box; its department
admin keeps them. Under /worklist, so the gateway routes them to the caller's department."""

from __future__ import annotations

from fastapi import APIRouter

from business_systems.deps import DepartmentAdmin, DepartmentCode, DepartmentStaff
from business_systems.review.opinions import OpinionAction, OpinionTemplatesOut
from business_systems.stock_opinions import service
from business_systems.stock_opinions.schemas import StockOpinionsIn, StockOpinionsOut
from gov_common.service import DbSession, Runtime

router = APIRouter(prefix="/api/v1/worklist", tags=["stock opinions"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not staff (or, to change them, not the department admin) of this department"},
}


def _configured(runtime: Runtime) -> dict[OpinionAction, list[str]] | None:
    configured: dict[OpinionAction, list[str]] | None = runtime.settings.opinion_templates  # type: ignore[attr-defined]
    return configured


@router.get("/opinion-templates", response_model=OpinionTemplatesOut, responses=_ERRORS)
def opinion_templates(
    staff: DepartmentStaff, session: DbSession, department: DepartmentCode, runtime: Runtime
) -> OpinionTemplatesOut:
    """This department's stock opinions (常用意见) by action, to fill the opinion box."""
    found = service.stock_opinions(
        session, principal=staff, department_code=department, configured=_configured(runtime)
    )
    return OpinionTemplatesOut(department_code=department, templates=found.templates)


@router.get("/stock-opinions", response_model=StockOpinionsOut, responses=_ERRORS)
def stock_opinions(
    staff: DepartmentStaff, session: DbSession, department: DepartmentCode, runtime: Runtime
) -> StockOpinionsOut:
    """The stock opinions by action, with whether the department keeps its own and their version."""
    return service.stock_opinions(session, principal=staff, department_code=department, configured=_configured(runtime))


@router.put(
    "/stock-opinions/{action}",
    response_model=StockOpinionsOut,
    responses={
        **_ERRORS,
        409: {"description": "The list changed since it was read (stale_version)"},
        422: {"description": "An empty, too long or repeated opinion, named by its field (opinions[n])"},
    },
)
def set_stock_opinions(
    action: OpinionAction,
    body: StockOpinionsIn,
    admin: DepartmentAdmin,
    session: DbSession,
    department: DepartmentCode,
    runtime: Runtime,
) -> StockOpinionsOut:
    """Replace one action's stock opinions (pass, approve, deny, send_back) by the list given, in its order."""
    return service.set_stock_opinions(
        session,
        principal=admin,
        department_code=department,
        action=action,
        opinions=body.opinions,
        version=body.version,
        configured=_configured(runtime),
    )


@router.delete("/stock-opinions", response_model=StockOpinionsOut, responses=_ERRORS)
def reset_stock_opinions(
    admin: DepartmentAdmin, session: DbSession, department: DepartmentCode, runtime: Runtime
) -> StockOpinionsOut:
    """Go back to the deployment's stock opinions (BS_OPINION_TEMPLATES, or the built-in ones)."""
    return service.reset_stock_opinions(
        session, principal=admin, department_code=department, configured=_configured(runtime)
    )
