"""Item handlers at work: their checks on arrival decide whether a case may be approved instantly,
their licence content goes into the approval, and a failing handler never loses a case."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from business_systems.handlers import ApplicantView, CaseView, FieldError, HandlerRegistry, ItemHandler, LicenseContent
from business_systems.handlers.loader import LoadedHandler
from gov_common.events import EventTypes
from tests.business_systems.support import BUSINESS_FORM, ITEM_BUSINESS, Department, Tokens, build_department


def _work(amr: Department, case_no: str) -> dict[str, Any]:
    response = amr.client.get(f"/api/v1/work-items/{case_no}", headers=amr.as_("reviewer"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_eligible_case_is_approved_instantly_with_the_handlers_licence(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_BUSINESS, instant=True, credit={"black_listed": False, "red_listed": False})
    work = _work(amr, case_no)
    assert work["status"] == "approved" and work["automated"] is True and work["findings"] == []
    [approved] = amr.events(EventTypes.CASE_APPROVED, case_no)
    licence = approved.data["license"]
    assert licence["fields"]["name"] == "张三小吃店" and licence["fields"]["organization_form"] == "个人经营"
    assert licence["trust_level"] == "A" and licence["valid_until"] is None
    assert approved.data["rule"]["version"] == 1 and approved.data["automated"] is True


def test_a_black_listed_applicant_goes_to_a_reviewer_with_the_reason(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_BUSINESS, instant=True, credit={"black_listed": True, "red_listed": False})
    work = _work(amr, case_no)
    assert work["status"] == "pending" and work["rule_output"]["eligible"] is True
    assert work["rule_output"]["blocked_by_findings"] is True
    assert [(f["kind"], f["code"], f["blocking"]) for f in work["findings"]] == [
        ("registry", "credit_black_listed", True)
    ]
    assert amr.events(EventTypes.CASE_APPROVED, case_no) == []


def test_form_errors_found_by_the_handler_stop_instant_approval(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_BUSINESS, instant=True, form={**BUSINESS_FORM, "business_name": "中国小吃店"})
    work = _work(amr, case_no)
    assert work["status"] == "pending"
    assert ("form", "form.business_name") in [(f["kind"], f["field"]) for f in work["findings"]]
    [entry] = amr.client.get("/api/v1/worklist", headers=amr.as_("reviewer")).json()
    assert entry["blocking_findings"] >= 1


class _Exploding(ItemHandler):
    item_codes = (ITEM_BUSINESS,)

    def __init__(self, *, on_arrival: bool) -> None:
        self.on_arrival = on_arrival

    def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[FieldError]:
        if self.on_arrival:
            raise RuntimeError("registry timeout")
        return []

    def license_content(self, case: CaseView) -> LicenseContent:
        raise RuntimeError("template missing")


def _with(tmp_path: Path, tokens: Tokens, handler: ItemHandler) -> Iterator[Department]:
    registry = HandlerRegistry([LoadedHandler("exploding", handler, None, None)])
    yield from build_department(tmp_path, tokens, code="amr", registry=registry)


@pytest.mark.parametrize("on_arrival", [True, False])
def test_a_failing_handler_sends_the_case_to_people_and_decides_nothing(
    tmp_path: Path, tokens: Tokens, on_arrival: bool
) -> None:
    for amr in _with(tmp_path, tokens, _Exploding(on_arrival=on_arrival)):
        case_no = amr.file(item_code=ITEM_BUSINESS, instant=True)
        work = _work(amr, case_no)
        assert work["status"] == "pending" and work["handler"] == "exploding"
        assert [f["code"] for f in work["findings"]] == ["handler_error"]
        response = amr.client.post(
            f"/api/v1/cases/{case_no}/decision",
            headers=amr.as_("reviewer"),
            json={"decision": "approve", "opinion": "准予"},
        )
        assert response.status_code == 500 and "exploding" in response.json()["detail"]
        assert _work(amr, case_no)["status"] == "pending" and amr.events(EventTypes.CASE_APPROVED) == []
        # Denying needs no licence, so it still works.
        denied = amr.client.post(
            f"/api/v1/cases/{case_no}/decision",
            headers=amr.as_("reviewer"),
            json={"decision": "deny", "opinion": "不予"},
        )
        assert denied.status_code == 200
