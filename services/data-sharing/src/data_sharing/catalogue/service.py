"""The data catalogue: registering resources, access requests, decisions and grants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from data_sharing.catalogue.models import AccessRequest, Grant, Resource
from data_sharing.catalogue.permissions import manages, require_owner_staff
from data_sharing.catalogue.schemas import AccessRequestIn, DecisionIn, ResourceIn, ResourcePatch
from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from gov_common.pagination import PageRequest

SYSTEM = "system"
T = TypeVar("T")


# An access request's status in the messages a person reads.
REQUEST_STATUS_LABELS = {"pending": "正在审核", "approved": "已批准", "refused": "已拒绝"}


def _page(session: Session, query: Select[T], order: Any, page: PageRequest) -> tuple[list[T], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(order).offset(page.offset).limit(page.page_size)).all()
    return list(rows), total


def list_resources(
    session: Session, *, page: PageRequest, owner: str | None = None, sharing_type: str | None = None
) -> tuple[list[Resource], int]:
    query = select(Resource)
    if owner:
        query = query.where(Resource.owner_department == owner)
    if sharing_type:
        query = query.where(Resource.sharing_type == sharing_type)
    return _page(session, query, Resource.code, page)


def get_resource(session: Session, *, code: str) -> Resource:
    resource = session.get(Resource, code)
    if resource is None:
        raise NotFound(f"数据目录中没有资源 {code}")
    return resource


def register_resource(session: Session, *, principal: Principal, body: ResourceIn) -> Resource:
    if not manages(principal, body.owner_department):
        raise Forbidden(f"仅系统管理员或 {body.owner_department} 部门管理员可以登记该部门的数据资源")
    if session.get(Resource, body.code) is not None:
        raise Conflict(f"资源代码 {body.code} 已被登记，请换一个代码", field="code")
    names = [f.name for f in body.fields]
    if len(set(names)) != len(names):
        raise InvalidField("fields", "字段名不能重复")
    now = utcnow()
    resource = Resource(
        code=body.code,
        name=body.name,
        description=body.description,
        owner_department=body.owner_department,
        fields=[f.model_dump() for f in body.fields],
        sharing_type=body.sharing_type,
        update_frequency=body.update_frequency,
        personal=body.personal,
        builtin=False,
        created_at=now,
        updated_at=now,
    )
    session.add(resource)
    session.flush()
    return resource


def update_resource(session: Session, *, principal: Principal, code: str, body: ResourcePatch) -> Resource:
    resource = require_owner_staff(session, principal=principal, resource=code)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(resource, name, value)
    resource.updated_at = utcnow()
    return resource


def request_access(session: Session, *, principal: Principal, body: AccessRequestIn, max_days: int) -> AccessRequest:
    if principal.account_type == "client" and principal.client_id:
        if body.client_id not in (None, principal.client_id):
            raise Forbidden("接入应用只能为自身申请数据共享", field="client_id")
        client_id, client_name = principal.client_id, principal.name
    elif principal.has_role(Roles.ADMIN):
        if not body.client_id:
            raise InvalidField("client_id", "请指明为哪个接入应用申请")
        client_id, client_name = body.client_id, body.client_id
    else:
        raise Forbidden("数据共享由接入应用申请（或由系统管理员代为申请）")
    resource = session.get(Resource, body.resource)
    if resource is None:
        raise InvalidField("resource", f"数据目录中没有资源 {body.resource}")
    _check_fields(resource, body.fields)
    if body.valid_days > max_days:
        raise InvalidField("valid_days", f"授权期限至多 {max_days} 天")
    now = utcnow()
    request = AccessRequest(
        resource_code=resource.code,
        client_id=client_id,
        client_name=client_name,
        fields=list(dict.fromkeys(body.fields)),
        purpose=body.purpose,
        valid_days=body.valid_days,
        status="pending",
        requested_by=principal.name,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    if resource.sharing_type == "not_shared":
        request.status, request.decided_by, request.decided_at = "refused", SYSTEM, now
        request.decision_reason = f"{resource.code} is not shared (不予共享)"
    elif resource.sharing_type == "unconditional":
        _grant(session, request, fields=request.fields, days=request.valid_days, by=SYSTEM, reason="无条件共享")
    return request


def _check_fields(resource: Resource, fields: list[str]) -> None:
    names = {f["name"] for f in resource.fields}
    unknown = [f for f in fields if f not in names]
    if unknown:
        raise InvalidField("fields", f"{resource.code} 没有字段 {'、'.join(unknown)}")


def _grant(session: Session, request: AccessRequest, *, fields: list[str], days: int, by: str, reason: str) -> Grant:
    now = utcnow()
    for previous in session.scalars(
        select(Grant).where(
            Grant.client_id == request.client_id,
            Grant.resource_code == request.resource_code,
            Grant.revoked_at.is_(None),
        )
    ):
        previous.revoked_at, previous.revoked_by = now, by
        previous.revoke_reason = f"superseded by the decision on request {request.id}"
    grant = Grant(
        request_id=request.id,
        resource_code=request.resource_code,
        client_id=request.client_id,
        fields=fields,
        purpose=request.purpose,
        valid_from=now,
        valid_until=now + timedelta(days=days),
        granted_by=by,
    )
    session.add(grant)
    session.flush()
    request.status, request.decided_by, request.decided_at = "approved", by, now
    request.decision_reason, request.grant_id = reason, grant.id
    return grant


def decide(session: Session, *, principal: Principal, request_id: int, body: DecisionIn) -> AccessRequest:
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise NotFound(f"共享申请 {request_id} 不存在")
    resource = require_owner_staff(session, principal=principal, resource=request.resource_code)
    if request.status != "pending":
        raise Conflict(f"共享申请 {request_id} {REQUEST_STATUS_LABELS.get(request.status, request.status)}")
    if body.decision == "refuse":
        if not body.reason:
            raise InvalidField("reason", "拒绝时应说明理由")
        request.status, request.decided_by, request.decided_at = "refused", principal.name, utcnow()
        request.decision_reason = body.reason
        return request
    fields = list(dict.fromkeys(body.fields)) if body.fields is not None else list(request.fields)
    wider = [f for f in fields if f not in request.fields]
    if wider or not fields:
        raise InvalidField("fields", f"批准的字段应为所申请字段（{'、'.join(request.fields)}）中的部分或全部")
    _check_fields(resource, fields)
    days = body.valid_days or request.valid_days
    if days > request.valid_days:
        raise InvalidField("valid_days", f"批准时可以缩短期限，但不能超过申请的 {request.valid_days} 天")
    _grant(session, request, fields=fields, days=days, by=principal.name, reason=body.reason or "同意")
    return request


def _visible(principal: Principal, query: Select[T], model: type[AccessRequest] | type[Grant]) -> Select[T]:
    """Access requests and grants are seen by their client, the owning department and the admin."""
    if principal.has_role(Roles.ADMIN):
        return query
    if principal.account_type == "client" and principal.client_id:
        return query.where(model.client_id == principal.client_id)
    if principal.has_role(Roles.DEPARTMENT_ADMIN) and principal.department:
        owned = select(Resource.code).where(Resource.owner_department == principal.department)
        return query.where(model.resource_code.in_(owned))
    raise Forbidden("共享申请和授权仅对申请的应用、资源所属部门和系统管理员可见")


def list_requests(
    session: Session, *, principal: Principal, page: PageRequest, status: str | None = None
) -> tuple[list[AccessRequest], int]:
    query = select(AccessRequest)
    if status:
        query = query.where(AccessRequest.status == status)
    return _page(session, _visible(principal, query, AccessRequest), AccessRequest.id.desc(), page)


def get_request(session: Session, *, principal: Principal, request_id: int) -> AccessRequest:
    query = _visible(principal, select(AccessRequest).where(AccessRequest.id == request_id), AccessRequest)
    request = session.scalars(query).first()
    if request is None:
        raise NotFound(f"未找到共享申请 {request_id}")
    return request


def list_grants(
    session: Session,
    *,
    principal: Principal,
    page: PageRequest,
    client_id: str | None = None,
    resource: str | None = None,
    active_only: bool = False,
) -> tuple[list[Grant], int]:
    query = select(Grant)
    if client_id:
        query = query.where(Grant.client_id == client_id)
    if resource:
        query = query.where(Grant.resource_code == resource)
    if active_only:
        now = utcnow()
        query = query.where(Grant.revoked_at.is_(None), Grant.valid_from <= now, Grant.valid_until > now)
    return _page(session, _visible(principal, query, Grant), Grant.id.desc(), page)


def grantee_names(session: Session, grants: list[Grant]) -> dict[int, str]:
    """The names the grants' requests gave their client applications (or roles), by request id."""
    ids = {g.request_id for g in grants}
    if not ids:
        return {}
    rows = session.execute(select(AccessRequest.id, AccessRequest.client_name).where(AccessRequest.id.in_(ids)))
    return {request_id: name for request_id, name in rows}


def revoke_grant(session: Session, *, principal: Principal, grant_id: int, reason: str) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"授权 {grant_id} 不存在")
    require_owner_staff(session, principal=principal, resource=grant.resource_code)
    if grant.revoked_at is not None:
        raise Conflict(f"授权 {grant_id} 已撤销")
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = utcnow(), principal.name, reason
    return grant


def grant_status(grant: Grant) -> str:
    if grant.revoked_at is not None:
        return "revoked"
    return "active" if grant.active_at(utcnow()) else "expired"
