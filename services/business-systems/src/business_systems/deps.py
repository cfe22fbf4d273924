"""Dependencies of the endpoints: who may call, and the deployment's department, handlers and files."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from business_systems.handlers import HandlerRegistry
from gov_common.auth import CurrentPrincipal, Principal, Roles
from gov_common.errors import Forbidden
from gov_common.files import FileStore
from gov_common.service import Runtime

STEP_ROLES = (Roles.HANDLER, Roles.REVIEWER, Roles.APPROVER)
STAFF_ROLES = (*STEP_ROLES, Roles.DEPARTMENT_ADMIN)


def _department_code(runtime: Runtime) -> str:
    return str(runtime.settings.department_code)  # type: ignore[attr-defined]


def _handlers(runtime: Runtime) -> HandlerRegistry:
    registry: HandlerRegistry = runtime.extras["handlers"]
    return registry


def _file_store(runtime: Runtime) -> FileStore:
    store: FileStore = runtime.extras["file_store"]
    return store


def require_department_staff(principal: CurrentPrincipal) -> Principal:
    # Whether it is *this* department's staff is the service's question: another department's
    # case must answer 404, like one that does not exist.
    if not principal.has_role(*STAFF_ROLES) or not principal.department:
        raise Forbidden("仅部门审查人员可以进行此操作")
    return principal


def require_department_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(Roles.DEPARTMENT_ADMIN) or not principal.department:
        raise Forbidden("仅部门管理员可以进行此操作")
    return principal


DepartmentCode = Annotated[str, Depends(_department_code)]
Handlers = Annotated[HandlerRegistry, Depends(_handlers)]
Files = Annotated[FileStore, Depends(_file_store)]
DepartmentStaff = Annotated[Principal, Depends(require_department_staff)]
DepartmentAdmin = Annotated[Principal, Depends(require_department_admin)]


def is_department_staff(principal: Principal, department_code: str) -> bool:
    return principal.department == department_code and principal.has_role(*STAFF_ROLES)
