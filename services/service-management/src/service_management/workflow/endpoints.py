from __future__ import annotations

from fastapi import APIRouter

from gov_common.auth import CurrentPrincipal
from gov_common.db import utcnow
from gov_common.errors import Forbidden, InvalidField, NotFound
from gov_common.service import DbSession
from service_management.cases import prefetch
from service_management.cases import service as cases
from service_management.cases.schemas import CaseCreated
from service_management.catalogue.service import list_versions
from service_management.deps import Manager, check_department
from service_management.models import CaseProgress, Item
from service_management.ports import CurrentPorts
from service_management.supervision.calendar import load_calendar
from service_management.workflow import engine, service
from service_management.workflow.schemas import DefinitionIn, DefinitionOut, TaskCompletion

router = APIRouter(prefix="/api/v1", tags=["workflow"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not entitled to the item or case"},
    404: {"description": "No such item, definition or case"},
    409: {"description": "The case does not wait in that state"},
    422: {"description": "The definition is refused (the element is named), or a field is invalid"},
}


@router.put("/items/{code}/process", status_code=201, response_model=DefinitionOut, responses=_ERRORS)
def upload_process(code: str, body: DefinitionIn, principal: Manager, session: DbSession) -> DefinitionOut:
    """Upload a new version of the item's BPMN 2.0 case process; new cases use it."""
    item = list_versions(session, code)[-1]
    check_department(principal, item.department_code)
    definition = service.upload_definition(
        session, principal=principal, item_code=code, bpmn_xml=body.bpmn_xml, time_limits=body.time_limits
    )
    return DefinitionOut.model_validate(definition)


@router.get("/items/{code}/process", response_model=DefinitionOut, responses=_ERRORS)
def get_process(code: str, session: DbSession) -> DefinitionOut:
    """The process new cases of this item follow (the platform's default when it has none)."""
    definition = service.current_definition(session, code)
    if definition is None:
        return DefinitionOut(
            item_code="",
            version=0,
            process_id="case",
            time_limits={},
            created_by="platform",
            created_at=utcnow(),
            bpmn_xml=engine.DEFAULT_BPMN.decode("utf-8"),
        )
    return DefinitionOut.model_validate(definition)


@router.post("/cases/{case_no}/tasks/{task_id}", response_model=CaseCreated, responses=_ERRORS)
def complete_task(
    case_no: str,
    task_id: str,
    body: TaskCompletion,
    principal: CurrentPrincipal,
    session: DbSession,
    ports: CurrentPorts,
) -> CaseCreated:
    """Complete a department step of the case's process (any userTask but intake and department_review)."""
    ports = prefetch.for_case(session, ports, case_no=case_no, principal=principal)  # it may go back to review
    case = cases.get_visible_case(session, principal=principal, case_no=case_no, for_update=True)
    if principal.is_applicant or principal.is_service:
        raise Forbidden("仅部门工作人员可以完成流程环节")
    check_department(principal, case.department_code)
    if task_id in engine.PLATFORM_STATES:
        raise InvalidField("task_id", f"{task_id} 环节由受理或部门决定完成")
    service.require_waiting(session, case, task_id)
    now = utcnow()
    calendar = load_calendar(session)
    transition = service.advance(session, case=case, state=task_id, data=dict(body.data), calendar=calendar, now=now)
    if transition is None:
        raise NotFound(f"办件 {case_no} 不在 {task_id} 环节等待", field="task_id")
    session.add(
        CaseProgress(
            case_id=case.id, kind="task_completed", step=task_id, by=principal.name, opinion=body.opinion, at=now
        )
    )
    item = session.get_one(Item, case.item_id)
    cases.apply_transition(session, ports, case=case, item=item, transition=transition, now=now)
    return CaseCreated(case_no=case.case_no, status=case.status)
