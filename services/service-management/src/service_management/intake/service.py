"""One-window intake (一窗受理): material uploads, window applications, and the clerk's decisions —
accept, ask for a supplement (补正: the clock pauses), reject (不予受理) — and the supplement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.contracts.events import CaseSupplementRequested, RequestedMaterial
from gov_common.db import insert_unless_present, utcnow
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from gov_common.files import StoredFile
from gov_common.identity import validate_resident_id, validate_uscc
from gov_common.pagination import PageRequest
from gov_common.workdays import WorkCalendar, local_date
from service_management.cases import service as cases
from service_management.cases.materials import attach_materials, missing_materials, refs
from service_management.cases.schemas import MaterialRefIn
from service_management.cases.service import ApplicantIdentity
from service_management.cases.timeline import Status, step
from service_management.events import emit_event
from service_management.intake.filters import QueueFilter
from service_management.intake.schemas import WalkInApplicant
from service_management.models import Case, CaseMaterial, Item, SupplementRequest, Upload
from service_management.ports import Ports
from service_management.supervision import clock
from service_management.supervision.calendar import load_calendar
from service_management.workflow import engine
from service_management.workflow import service as workflow


def upload(session: Session, ports: Ports, *, principal: Principal, data: bytes) -> StoredFile:
    stored = ports.files.put(data)
    # The same content may be uploaded twice at once (one scan for two materials): stored once.
    insert_unless_present(
        session,
        Upload,
        {
            "file_id": stored.file_id,
            "owner_sub": principal.sub,
            "content_type": stored.content_type,
            "size": stored.size,
            "uploaded_at": utcnow(),
        },
        key=["file_id", "owner_sub"],
    )
    return stored


def material_file(
    session: Session, ports: Ports, *, principal: Principal, case_no: str, file_id: str
) -> tuple[bytes, str]:
    """A material's bytes for those entitled to the case (its applicant, its department, clerks, services)."""
    case = cases.get_visible_case(session, principal=principal, case_no=case_no)
    material = session.scalars(
        select(CaseMaterial).where(CaseMaterial.case_id == case.id, CaseMaterial.file_id == file_id)
    ).first()
    if material is None:
        raise NotFound(
            f"办件 {case_no} 没有编号为 {file_id} 的材料文件", field="file_id", code="material_file_not_found"
        )
    return ports.files.get(file_id), material.content_type or "application/octet-stream"


def walk_in_identity(applicant: WalkInApplicant) -> ApplicantIdentity:
    if applicant.type == "person":
        number = validate_resident_id(applicant.id_number, field="applicant.id_number")
    else:
        number = validate_uscc(applicant.id_number, field="applicant.id_number")
    # A walk-in applicant may have no account; the case is theirs by identity number (一号申请).
    return ApplicantIdentity(sub=f"walk-in:{number}", type=applicant.type, id_number=number, name=applicant.name)


def file_at_window(
    session: Session,
    ports: Ports,
    *,
    clerk: Principal,
    item_code: str,
    applicant: WalkInApplicant,
    form: dict[str, object],
    materials: list[MaterialRefIn],
) -> Case:
    return cases.file_case(
        session,
        ports,
        applicant=walk_in_identity(applicant),
        item_code=item_code,
        form=dict(form),
        materials=refs(materials),
        channel="window",
        filed_by=clerk,
    )


def queue(session: Session, *, page: PageRequest, filters: QueueFilter | None = None) -> tuple[list[Case], int]:
    filters = filters or QueueFilter()
    query = filters.apply(select(Case).where(Case.status.in_([Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED])))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*filters.order()).offset(page.offset).limit(page.page_size)).all()
    return list(rows), total


def _in_intake(session: Session, case_no: str) -> tuple[Case, Item]:
    case = cases.load_case(session, case_no, for_update=True)
    if case is None:
        raise NotFound(f"未找到办件 {case_no}", field="case_no", code="case_not_found")
    if engine.INTAKE not in workflow.waiting_states(session, case):
        raise Conflict(
            f"办件 {case_no} 当前不在待受理状态",
            field="case_no",
            code="case_not_in_intake",
        )
    return case, session.get_one(Item, case.item_id)


def accept(
    session: Session,
    ports: Ports,
    *,
    clerk: Principal,
    case_no: str,
    note: str | None,
    materials: list[MaterialRefIn] | None = None,
) -> Case:
    """Accept a complete case; the clerk may record materials first (scans, licences, paper seen)."""
    case, item = _in_intake(session, case_no)
    if case.status == Status.SUPPLEMENT_REQUESTED:
        raise Conflict(f"办件 {case_no} 正在等待申请人补正", field="case_no", code="case_awaits_supplement")
    if materials:
        attach_materials(
            session,
            ports,
            case=case,
            item=item,
            refs=refs(materials),
            uploader_subs={clerk.sub, case.applicant_sub},
            actor=clerk.name,
            paper_confirmer=True,
            now=utcnow(),
        )
    missing = missing_materials(session, case=case, item=item)
    if missing:
        names = "、".join(m["name"] for m in missing)
        raise Conflict(
            f"缺少必需材料：{names}",
            field="materials",
            code="materials_missing",
            missing=[m["code"] for m in missing],
        )
    cases.accept(session, ports, case=case, item=item, actor=clerk.name, note=note, now=utcnow())
    return case


# The time an applicant has to supply what a supplement request (一次性告知) asks for, in working days
# from the day of the request (Beijing date); the notice says that the application counts as withdrawn after it.
SUPPLEMENT_WORKING_DAYS = 15


def supplement_due_date(calendar: WorkCalendar, requested_at: dt.datetime) -> dt.date:
    return calendar.add_working_days(local_date(requested_at), SUPPLEMENT_WORKING_DAYS)


def request_supplement(
    session: Session, *, clerk: Principal, case_no: str, missing: list[str], note: str, now: dt.datetime | None = None
) -> Case:
    now = now or utcnow()
    case, item = _in_intake(session, case_no)
    if case.status == Status.SUPPLEMENT_REQUESTED:
        raise Conflict(f"办件 {case_no} 已告知补正，正在等待补正材料", field="case_no", code="case_awaits_supplement")
    names = {m["code"]: m["name"] for m in item.materials}
    for n, code in enumerate(missing):
        if code not in names:
            raise InvalidField(f"missing[{n}]", f"本事项没有材料 {code}", code="material_unknown")
    case.reason = note
    listed = "、".join(names[c] for c in missing)
    step(case, Status.SUPPLEMENT_REQUESTED, actor=clerk.name, note=f"请补正：{listed}。{note}", at=now)
    # Part B (notifications): the applicant learns what to supply (docs/parallel-work-ui.md, contract 1).
    asked: list[RequestedMaterial | str] = [RequestedMaterial(code=c, name=names[c]) for c in missing]
    emit_event(
        session,
        CaseSupplementRequested(**cases.event_parties(case, item), materials=asked, reason=note),
        subject=case.case_no,
    )
    case.supplement_codes = list(missing)
    calendar = load_calendar(session)
    session.add(
        SupplementRequest(
            case_id=case.id,
            materials=list(missing),
            reason=note,
            requested_by=clerk.name,
            requested_at=now,
            due_date=supplement_due_date(calendar, now),
        )
    )
    clock.pause(session, case, calendar, now=now)
    return case


def supplement(
    session: Session,
    ports: Ports,
    *,
    principal: Principal,
    case_no: str,
    materials: list[MaterialRefIn],
    now: dt.datetime | None = None,
) -> Case:
    """The applicant (or a clerk for a walk-in applicant) supplies what was asked; the clock resumes."""
    now = now or utcnow()
    case = cases.get_visible_case(session, principal=principal, case_no=case_no, for_update=True)
    if not (principal.is_applicant or principal.has_role("clerk", "admin")):
        raise Forbidden("仅申请人或窗口人员可以补正办件", code="supplement_not_allowed")
    if case.status != Status.SUPPLEMENT_REQUESTED:
        raise Conflict(f"办件 {case_no} 不在待补正状态", field="case_no", code="case_not_awaiting_supplement")
    item = session.get_one(Item, case.item_id)
    attach_materials(
        session,
        ports,
        case=case,
        item=item,
        refs=refs(materials),
        uploader_subs={principal.sub, case.applicant_sub},
        actor=principal.name,
        paper_confirmer=principal.has_role("clerk", "admin"),
        now=now,
    )
    # Every material asked for must come anew: in this call, or after the request was made.
    asked_at = case.paused_at or now
    given = {r.code for r in materials} | _provided_since(session, case, asked_at)
    still = [c for c in case.supplement_codes or [] if c not in given]
    if still:
        raise InvalidField("materials", f"仍缺少材料：{'、'.join(still)}", code="supplement_incomplete", missing=still)
    step(case, Status.SUBMITTED, actor=principal.name, note="materials supplemented", at=now)
    case.supplement_codes = []
    for request in session.scalars(
        select(SupplementRequest).where(SupplementRequest.case_id == case.id, SupplementRequest.supplied_at.is_(None))
    ):
        request.supplied_by, request.supplied_at = principal.name, now
    clock.resume(session, case, load_calendar(session), now=now)
    return case


def _provided_since(session: Session, case: Case, since: dt.datetime) -> set[str]:
    return set(
        session.scalars(
            select(CaseMaterial.code).where(CaseMaterial.case_id == case.id, CaseMaterial.provided_at >= since)
        ).all()
    )


def reject(session: Session, ports: Ports, *, clerk: Principal, case_no: str, reason: str) -> Case:
    case, item = _in_intake(session, case_no)
    cases.reject(session, ports, case=case, item=item, actor=clerk.name, reason=reason, now=utcnow())
    return case
