"""Which department's business system a call goes to (no routes here).

Staff calls go to the caller's own department, as the token says (most of them through the routing
table, `portal_gateway.routing.ROUTING_TABLE`); the business system itself decides what the caller's
roles allow. An applicant names the department, as their case shows it.
"""

from __future__ import annotations

from fastapi import Request, Response

from gov_common.errors import NotFound
from portal_gateway.routing import DEPARTMENT_STAFF, business_system, forward, staff_department

__all__ = ["DEPARTMENT_STAFF", "staff_department", "to_department", "to_named_department"]


async def to_department(request: Request, department: str, path: str) -> Response:
    return await forward(request, f"business system {department}", business_system(request, department), path)


async def to_named_department(request: Request, department: str, path: str) -> Response:
    """A department the caller names in the path: one the platform does not have is a 404 naming
    it (a staff member's own department missing is a deployment fault, 503, as above)."""
    urls: dict[str, str] = request.app.state.runtime.settings.business_systems_urls
    if department not in urls:
        raise NotFound(f"没有编码为 {department!r} 的部门", field="department", code="department_unknown")
    return await to_department(request, department, path)
