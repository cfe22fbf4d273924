"""Bundles (一件事一次办): one application files a case per member item, sharing the materials;
the branches run in parallel and the application concludes when every branch has ended."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.auth import Principal, Roles
from gov_common.db import utcnow
from gov_common.errors import InvalidField, NotFound
from service_management.cases import service as cases
from service_management.catalogue.service import get_published
from service_management.intake.schemas import MaterialRefIn
from service_management.intake.service import refs
from service_management.models import Bundle, BundleApplication, Case
from service_management.ports import Ports


def list_bundles(session: Session) -> list[Bundle]:
    return list(session.scalars(select(Bundle).where(Bundle.status == "published").order_by(Bundle.code)).all())


def get_bundle(session: Session, code: str) -> Bundle:
    bundle = session.scalars(select(Bundle).where(Bundle.code == code, Bundle.status == "published")).first()
    if bundle is None:
        raise NotFound(f"bundle {code} does not exist", field="bundle_code")
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
            raise InvalidField(f"forms.{item_code}", f"item {item_code} is not part of bundle {code}")
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
        raise NotFound(f"bundle application {bundle_no} not found", field="bundle_no")
    branches = list(session.scalars(select(Case).where(Case.bundle_id == application.id).order_by(Case.id)).all())
    return application, branches
