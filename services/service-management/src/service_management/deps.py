"""Who may do what: role dependencies shared by the modules' endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gov_common.auth import CurrentPrincipal, Principal, Roles
from gov_common.errors import Forbidden


def require_staff(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(*Roles.STAFF):
        raise Forbidden("仅工作人员可以进行此操作")
    return principal


def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(Roles.ADMIN):
        raise Forbidden("仅系统管理员可以进行此操作")
    return principal


def require_clerk(principal: CurrentPrincipal) -> Principal:
    if not principal.has_role(Roles.CLERK, Roles.ADMIN):
        raise Forbidden("仅窗口人员可以进行此操作")
    return principal


def require_manager(principal: CurrentPrincipal) -> Principal:
    """An administrator, or a department admin (who acts for their own department only)."""
    if principal.has_role(Roles.ADMIN) or (principal.has_role(Roles.DEPARTMENT_ADMIN) and principal.department):
        return principal
    raise Forbidden("仅系统管理员或部门管理员可以进行此操作")


def check_department(principal: Principal, department_code: str, *, field: str = "department_code") -> None:
    """A department admin acts only for their own department; an administrator for any."""
    if principal.has_role(Roles.ADMIN):
        return
    if principal.department != department_code:
        raise Forbidden(f"您只能办理本部门（{principal.department}）的事务", field=field)


Staff = Annotated[Principal, Depends(require_staff)]
Admin = Annotated[Principal, Depends(require_admin)]
Clerk = Annotated[Principal, Depends(require_clerk)]
Manager = Annotated[Principal, Depends(require_manager)]
