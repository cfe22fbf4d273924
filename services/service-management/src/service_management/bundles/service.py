"""Bundles (一件事一次办): one application files a case per member item, sharing the materials;
the branches run in parallel and the application concludes when every branch has ended."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import InvalidField, NotFound
from gov_common.pagination import PageRequest
from service_management.bundles.schemas import OverallStatus
from service_management.cases import service as cases
from service_management.cases.materials import refs
from service_management.cases.schemas import MaterialRefIn
from service_management.cases.timeline import TERMINAL, Status
from service_management.catalogue.service import get_published
from service_management.models import Bundle, BundleApplication, Case
from service_management.ports import Ports


def list_bundles(session: Session) -> list[Bundle]:
    return list(session.scalars(select(Bundle).where(Bundle.status == "published").order_by(Bundle.code)).all())


def get_bundle(session: Session, code: str) -> Bundle:
    bundle = session.scalars(select(Bundle).where(Bundle.code == code, Bundle.status == "published")).first()
    if bundle is None:
        raise NotFound(f"一件事 {code} 不存在", field="bundle_code")
    return bundle


def shared_materials(session: Session, bundle: Bundle) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for code in bundle.item_codes:
        for material in get_published(session, code).materials:
            seen.setdefault(material["code"], material)
    return list(seen.values())


def apply(
    session: Session,
    ports: Ports,
    *,
    principal: Principal,
    code: str,
    forms: dict[str, dict[str, Any]],
    materials: list[MaterialRefIn],
) -> BundleApplication:
    bundle = get_bundle(session, code)
    for item_code in forms:
        if item_code not in bundle.item_codes:
            raise InvalidField(f"forms.{item_code}", f"事项 {item_code} 不属于一件事 {code}")
    now = utcnow()
    application = BundleApplication(
        bundle_no=f"B{now:%Y%m%d}{secrets.randbelow(10**9):09d}",
        bundle_code=bundle.code,
        applicant_sub=principal.sub,
        applicant_id_number=principal.id_number or "",
        status="in_progress",
        created_at=now,
    )
    session.add(application)
    session.flush()
    refs_all = refs(materials)
    for item_code in bundle.item_codes:
        item = get_published(session, item_code)
        own = {m["code"] for m in item.materials}
        cases.file_case(
            session,
            ports,
            applicant=cases.identity_of(principal),
            item_code=item_code,
            form=forms.get(item_code, {}),
            materials=[r for r in refs_all if r.code in own],
            bundle=application,
            form_field=f"forms.{item_code}",
            now=now,
        )
    return application


def get_application(session: Session, *, principal: Principal, bundle_no: str) -> tuple[BundleApplication, list[Case]]:
    application = session.scalars(select(BundleApplication).where(BundleApplication.bundle_no == bundle_no)).first()
    visible = application is not None and (
        application.applicant_sub == principal.sub
        or (principal.id_number and principal.id_number == application.applicant_id_number)
        or principal.has_role(Roles.ADMIN, Roles.CLERK)
    )
    if application is None or not visible:
        raise NotFound(f"未找到一件事申请 {bundle_no}", field="bundle_no")
    branches = list(session.scalars(select(Case).where(Case.bundle_id == application.id).order_by(Case.id)).all())
    return application, branches


REFUSED = frozenset({Status.DENIED, Status.REJECTED})


def overall_status(branch_statuses: list[str]) -> OverallStatus:
    """What the applicant most needs to know: a refused branch first, then whether all concluded."""
    if any(s in REFUSED for s in branch_statuses):
        return "some_denied"
    if branch_statuses and all(s == Status.CONCLUDED for s in branch_statuses):
        return "concluded"
    return "in_progress"


@dataclass(frozen=True)
class ApplicationSummary:
    application: BundleApplication
    bundle_name: str
    branch_statuses: list[str]

    @property
    def overall_status(self) -> OverallStatus:
        return overall_status(self.branch_statuses)

    @property
    def ended_count(self) -> int:
        return sum(s in TERMINAL for s in self.branch_statuses)


def list_my_applications(
    session: Session, *, principal: Principal, page: PageRequest
) -> tuple[list[ApplicationSummary], int]:
    """The applicant's own bundle applications, newest first (matched as their cases are: account or ID)."""
    mine = BundleApplication.applicant_sub == principal.sub
    if principal.id_number:
        mine = or_(mine, BundleApplication.applicant_id_number == principal.id_number)
    total = session.scalar(select(func.count()).select_from(BundleApplication).where(mine)) or 0
    rows = session.execute(
        select(BundleApplication, Bundle.name)
        .outerjoin(Bundle, Bundle.code == BundleApplication.bundle_code)
        .where(mine)
        .order_by(BundleApplication.created_at.desc(), BundleApplication.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    statuses: dict[int | None, list[str]] = defaultdict(list)
    ids = [application.id for application, _ in rows]
    if ids:
        for bundle_id, status in session.execute(
            select(Case.bundle_id, Case.status).where(Case.bundle_id.in_(ids)).order_by(Case.id)
        ):
            statuses[bundle_id].append(status)
    summaries = [
        ApplicationSummary(
            application=application,
            bundle_name=name or application.bundle_code,
            branch_statuses=statuses[application.id],
        )
        for application, name in rows
    ]
    return summaries, total
