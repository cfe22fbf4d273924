"""How a case ends: concluded (with its licence), and the end of a bundle when its last branch ends."""

from __future__ import annotations

import datetime as dt
import logging
import weakref

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from gov_common.contracts.events import Applicant, BundleCase, BundleConcluded, CaseConcluded, ItemRef
from service_management.cases.timeline import TERMINAL, Status, step
from service_management.events import emit_event
from service_management.models import (
    BundleApplication,
    Case,
    Item,
)
from service_management.supervision import clock

log = logging.getLogger("service_management.cases")
# The item's name, by a statement built once: the whole item (its form and materials schemas, a wide row made
# into an ORM object) cost about 0.4 ms of CPU per concluded case for one field. And read once per item version
# and database: a case refers to the version it was filed under, published then, whose name never changes (an
# edit makes a draft, a new version; rules only set its rule; no row is deleted). By the database's engine (tests
# run many databases in one process) and the row's id; emptied when full.
_ITEM_NAME = select(Item.name).where(Item.id == bindparam("id"))
_ITEM_NAMES: weakref.WeakKeyDictionary[Engine, dict[int, str]] = weakref.WeakKeyDictionary()
_ITEM_NAMES_KEPT = 4096


def _item_name(session: Session, item_id: int) -> str:
    names = _ITEM_NAMES.setdefault(session.get_bind().engine, {})
    name = names.get(item_id)
    if name is None:
        name = session.execute(_ITEM_NAME, {"id": item_id}).scalar_one()
        if len(names) >= _ITEM_NAMES_KEPT:
            names.clear()
        names[item_id] = name
    return name


def conclude(session: Session, case: Case, now: dt.datetime) -> None:
    case.concluded_at = now
    license_no = case.license_no
    step(case, Status.CONCLUDED, actor="system", note=f"licence {license_no}" if license_no else None, at=now)
    log.info("case %s concluded (licence %s)", case.case_no, license_no)
    emit_event(
        session,
        CaseConcluded(
            case_no=case.case_no,
            item_code=case.item_code,
            applicant_sub=case.applicant_sub,
            license_no=license_no,
            concluded_at=now,
            item=ItemRef(code=case.item_code, name=_item_name(session, case.item_id)),  # for notifications
            applicant=Applicant.named(
                type=case.applicant_type, number=case.applicant_id_number, name=case.applicant_name
            ),
        ),
        subject=case.case_no,
    )
    ended(session, case, now)


def ended(session: Session, case: Case, now: dt.datetime) -> None:
    clock.stop(case)
    if case.bundle_id is not None:
        _bundle_branch_ended(session, case, now)


def _bundle_branch_ended(session: Session, case: Case, now: dt.datetime) -> None:
    bundle = session.scalars(
        select(BundleApplication).where(BundleApplication.id == case.bundle_id).with_for_update()
    ).first()
    if bundle is None or bundle.status != "in_progress":
        return
    session.flush()
    branches = session.scalars(select(Case).where(Case.bundle_id == bundle.id)).all()
    if any(c.status not in TERMINAL for c in branches):
        return
    bundle.status = "concluded"
    bundle.concluded_at = now
    emit_event(
        session,
        BundleConcluded(
            bundle_no=bundle.bundle_no,
            bundle_code=bundle.bundle_code,
            applicant_sub=bundle.applicant_sub,
            cases=[BundleCase(case_no=c.case_no, item_code=c.item_code, status=c.status) for c in branches],
            concluded_at=now,
        ),
        subject=bundle.bundle_no,
    )
