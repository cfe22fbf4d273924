"""The public progress look-up (办件进度查询): a case number and the last six characters of the applicant's
ID number give the case's status and timeline without a login, as printed notices invite (their QR code).

The pair is the key: an unknown number and a known number with the wrong six characters are the same 404,
compared in constant time with the same work done either way. The gateway throttles the look-ups per
address and counts misses per address and per case number (portal_gateway.routes.sm_progress)."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.errors import NotFound
from gov_common.identity import mask_name
from service_management.models import Case, CaseStep, Department, Item
from service_management.progress.schemas import ProgressStep, PublicProgress

NOT_FOUND = "未查询到办件：请核对办件编号和申请人证件号码后六位"
_NOBODY = "\0" * 6  # compared against when the number is unknown, so that both misses cost the same


def look_up(session: Session, *, case_no: str, id_last6: str) -> PublicProgress:
    # One query either way; the timeline is read only once the pair matched.
    case = session.scalars(select(Case).where(Case.case_no == case_no)).first()
    expected = case.applicant_id_number[-6:].upper() if case is not None else _NOBODY
    matches = hmac.compare_digest(expected.encode(), id_last6.upper().encode())
    if case is None or not matches:
        raise NotFound(NOT_FOUND, code="case_progress_not_found")
    item = session.get_one(Item, case.item_id)
    department = session.get(Department, case.department_code)
    steps = session.scalars(select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.id)).all()
    return PublicProgress(
        case_no=case.case_no,
        item_code=case.item_code,
        item_name=item.name,
        department_name=department.name if department else case.department_code,
        applicant_name=mask_name(case.applicant_name) or "",
        status=case.status,
        submitted_at=case.created_at,
        concluded_at=case.concluded_at,
        due_date=case.due_date if case.clock_state != "stopped" else None,
        clock_state=case.clock_state,
        timeline=[ProgressStep(status=s.status, at=s.at) for s in steps],
    )
