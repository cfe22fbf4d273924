"""Running the item's handler on a work item: the checks on arrival and the licence at approval.

An outage never changes a decision: a registry look-up that cannot be answered now fails the
arrival with RegistryOutage (a TransientFailure), so the consumer retries the dispatched event,
with that case's partition waiting, until data-sharing answers; nothing about it is stored."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from business_systems.handlers import (
    ApplicantView,
    CaseView,
    CreditStatus,
    DivisionRecord,
    InvalidLookup,
    ItemHandler,
    LicenseContent,
    Registries,
    RegistryError,
    RegistryUnavailable,
)
from business_systems.models import WorkItem
from gov_common.contracts.events import CaseDispatched
from gov_common.errors import DomainError, TransientFailure

log = logging.getLogger("business_systems.review")
_CJK = re.compile(r"[\u4e00-\u9fff]")
T = TypeVar("T")


class HandlerFailed(DomainError):
    """The item's handler raised; nothing was decided."""

    status, title = 500, "Item Handler Failed"


def applicant_view(applicant: dict[str, Any]) -> ApplicantView:
    return ApplicantView(
        sub=str(applicant.get("sub") or ""),
        type=str(applicant.get("type") or "person"),
        id_number=str(applicant.get("id_number") or ""),
        name=str(applicant.get("name") or ""),
        facts=dict(applicant.get("facts") or {}),
    )


def case_view(work: WorkItem, *, decided_at: datetime | None = None) -> CaseView:
    return CaseView(
        case_no=work.case_no,
        item_code=work.item_code,
        item_name=work.item_name,
        department_code=work.department_code,
        applicant=applicant_view(work.applicant),
        form=dict(work.form),
        materials=tuple(dict(m) for m in work.materials or []),
        decided_at=decided_at or work.decided_at,
    )


def dispatched_case_view(dispatched: CaseDispatched) -> CaseView:
    """A dispatched case as its work item will show it to the handler (`case_view`), from the event."""
    return CaseView(
        case_no=dispatched.case_no,
        item_code=dispatched.item_code,
        item_name=dispatched.item_name or dispatched.item_code,
        department_code=dispatched.department_code,
        applicant=applicant_view(dispatched.applicant.model_dump(mode="json")),
        form=dict(dispatched.form),
        materials=tuple(m.model_dump(mode="json") for m in dispatched.materials),
    )


class RegistryOutage(TransientFailure):
    """A registry the item's handler asked could not answer now: the case's arrival is not stored
    but retried by the consumer (its partition waits), so an outage never becomes a finding."""


class _Watched:
    """The registries as a handler sees them, noting an outage any look-up met: one the handler
    caught (and perhaps turned into a finding) retries the arrival all the same."""

    def __init__(self, registries: Registries) -> None:
        self._registries = registries
        self.outage: RegistryUnavailable | None = None

    def credit(self, subject: str) -> CreditStatus | None:
        return self._watch(self._registries.credit, subject)

    def division(self, code: str) -> DivisionRecord | None:
        return self._watch(self._registries.division, code)

    def _watch(self, look_up: Callable[[str], T], value: str) -> T:
        try:
            return look_up(value)
        except RegistryUnavailable as exc:
            self.outage = exc
            raise


def run_checks(handler_name: str, handler: ItemHandler, case: CaseView, registries: Registries) -> list[dict[str, Any]]:
    """What the handler finds on arrival, as stored on the work item. A registry that cannot be asked
    now raises RegistryOutage (nothing is stored; the consumer retries the arrival). A value a
    registry refuses as malformed, or a look-up refused for this system, that the handler let through
    is a blocking `registry` finding; a handler that raises anything else is itself a blocking
    `handler` finding: the case goes to people instead of the dead-letter topic."""
    watched = _Watched(registries)
    findings: list[dict[str, Any]] = []
    try:
        for error in handler.validate(dict(case.form), case.applicant):
            findings.append(
                {"kind": "form", "field": error.field, "code": "invalid", "message": error.message, "blocking": True}
            )
        for finding in handler.registry_checks(case, watched):
            findings.append(
                {
                    "kind": "registry",
                    "field": finding.field,
                    "code": finding.code,
                    "message": finding.message,
                    "blocking": finding.blocking,
                }
            )
    except TransientFailure:
        raise  # the handler's own: the consumer retries it
    except RegistryUnavailable as exc:
        watched.outage = watched.outage or exc  # raised below
    except InvalidLookup as exc:
        log.info("case %s: a registry refused a value as malformed: %s", case.case_no, exc.detail)
        findings.append(
            _registry_finding("lookup_invalid", _with_reason("申请信息中有基础库不接受的值，请人工核对", exc.detail))
        )
    except RegistryError as exc:
        log.warning("case %s: a registry look-up was refused: %s", case.case_no, exc)
        findings.append(_registry_finding("registry_error", _with_reason("基础库查询未获答复，由人工核对", str(exc))))
    except Exception:
        log.exception("item handler %s failed on case %s", handler_name, case.case_no)
        findings.append(
            {
                "kind": "handler",
                "field": None,
                "code": "handler_error",
                "message": "本事项的自动检查程序运行出错，未能完成检查，请人工审查（错误已记入系统日志）",
                "blocking": True,
            }
        )
    if watched.outage is not None:
        log.warning("case %s waits for a registry (handler %s): %s", case.case_no, handler_name, watched.outage)
        raise RegistryOutage(
            f"办件 {case.case_no} 所需的基础库暂时无法查询，将重试该办件的接收：{watched.outage}"
        ) from watched.outage
    return findings


def _with_reason(message: str, reason: str) -> str:
    """The finding with the registry's reason when it is said in Chinese; another registry's or a fake's
    English (or a bare status) stays in the log, never on a clerk's or an applicant's screen."""
    return f"{message}（{reason}）" if _CJK.search(reason) else message


def _registry_finding(code: str, message: str) -> dict[str, Any]:
    return {"kind": "registry", "field": None, "code": code, "message": message, "blocking": True}


def license_content(handler_name: str, handler: ItemHandler, work: WorkItem, *, decided_at: datetime) -> LicenseContent:
    try:
        content = handler.license_content(case_view(work, decided_at=decided_at))
    except Exception as exc:
        log.exception("item handler %s failed to give the licence of case %s", handler_name, work.case_no)
        raise HandlerFailed(f"事项处理程序 {handler_name} 未能生成证照内容，未作出决定，请联系管理员") from exc
    if content.trust_level not in ("A", "B", "C", "D"):
        raise HandlerFailed(
            f"事项处理程序 {handler_name} 给出的可信等级 {content.trust_level!r} 无效（应为 A 至 D），未作出决定"
        )
    return content
