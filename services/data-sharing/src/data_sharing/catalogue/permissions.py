"""Who manages a resource: the admin, and the department admin of the department that owns it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data_sharing.catalogue.models import Resource
from gov_common.auth import Principal, Roles
from gov_common.errors import Forbidden, NotFound


def manages(principal: Principal, owner_department: str) -> bool:
    return principal.has_role(Roles.ADMIN) or (
        principal.has_role(Roles.DEPARTMENT_ADMIN) and principal.department == owner_department
    )


def require_owner_staff(session: Session, *, principal: Principal, resource: str) -> Resource:
    found = session.get(Resource, resource)
    if found is None:
        raise NotFound(f"数据目录中没有资源 {resource}")
    if not manages(principal, found.owner_department):
        raise Forbidden(f"仅系统管理员或 {found.owner_department} 部门管理员可以进行此操作")
    return found
