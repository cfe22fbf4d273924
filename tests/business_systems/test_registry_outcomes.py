"""What a registry look-up can say besides its answer, and what the business system makes of it
(issue 14, "an outage never changes a decision"): an outage (no connection, a timeout, 401/408/429,
a 5xx) is RegistryUnavailable and fails the case's arrival with a TransientFailure, so the consumer
retries it; a value refused as malformed (400/422) is InvalidLookup, a finding about the input; a
refusal of this system (403) is RegistryError, a finding about the look-up. Unit tests: the
registries answer through an httpx mock transport, the handlers are fakes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from business_systems.handlers import (
    ApplicantView,
    CaseView,
    DivisionRecord,
    Finding,
    HandlerRegistry,
    InvalidLookup,
    ItemHandler,
    Registries,
    RegistryError,
    RegistryUnavailable,
)
from business_systems.handlers.loader import LoadedHandler, load_handlers
from business_systems.registries import DataSharingRegistries
from business_systems.review.checks import RegistryOutage, run_checks
from business_systems.review.service import check_arrival
from gov_common.errors import TransientFailure
from tests.business_systems.support import BUSINESS_FORM, ITEM_BUSINESS, dispatched

CLEAN = {"black_listed": False, "red_listed": False}
APPLICANT = {
    "sub": "a",
    "type": "person",
    "id_number": "11010519491231002X",
    "name": "张三",
    "facts": {"credit": CLEAN},
}
RECORD = {"code": "330122", "name": "示范县", "level": "county", "parent_code": "330100"}


def _registries(answer: Callable[[httpx.Request], httpx.Response]) -> DataSharingRegistries:
    return DataSharingRegistries(
        APPLICANT,
        data_sharing_url="http://data-sharing.test",
        auth_headers=lambda: {"Authorization": "Bearer t"},
        transport=httpx.MockTransport(answer),
    )


def _status(status: int, body: Any = None) -> DataSharingRegistries:
    return _registries(lambda request: httpx.Response(status, json=body if body is not None else {"status": status}))


def test_an_answer_and_none_for_a_division_there_is_not() -> None:
    assert _status(200, RECORD).division("330122") == DivisionRecord("330122", "示范县", "county", "330100")
    assert _status(404).division("339999") is None


@pytest.mark.parametrize("status", [401, 408, 429, 500, 502, 503, 504])
def test_an_answer_that_says_not_now_is_an_outage(status: int) -> None:
    with pytest.raises(RegistryUnavailable, match=rf"^数据共享平台暂时无法答复（HTTP {status}），稍后自动重试$"):
        _status(status).division("330122")


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("connection refused"), httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("reset")],
)
def test_no_answer_at_all_is_an_outage(failure: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(RegistryUnavailable, match=r"^暂时无法连接数据共享平台，稍后自动重试$") as outage:
        _registries(fail).division("330122")
    assert outage.value.__cause__ is failure  # what happened stays with the exception (and in the log)


def test_no_service_token_to_be_had_is_an_outage() -> None:
    def no_token() -> dict[str, str]:
        raise httpx.ConnectError("the gateway is down")

    registries = DataSharingRegistries(
        APPLICANT,
        data_sharing_url="http://data-sharing.test",
        auth_headers=no_token,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=RECORD)),
    )
    with pytest.raises(RegistryUnavailable):
        registries.division("330122")


@pytest.mark.parametrize("status", [400, 422])
def test_a_value_refused_as_malformed_is_an_invalid_look_up_with_the_registrys_words(status: int) -> None:
    problem = {"status": status, "detail": "Unprocessable", "errors": [{"field": "code", "message": "6 digits"}]}
    with pytest.raises(InvalidLookup) as refused:
        _status(status, problem).division("030122")
    assert refused.value.detail == "6 digits"
    assert not isinstance(refused.value, RegistryUnavailable)


def test_a_refusal_of_this_system_or_an_unreadable_answer_is_neither_outage_nor_input() -> None:
    for registries, text in [
        (_status(403, {"detail": "no access to divisions"}), "本业务系统未获该数据的共享授权"),
        (_status(409, {"detail": "conflict"}), "数据共享平台拒绝了本次查询"),
        (_registries(lambda request: httpx.Response(200, text="<html>")), "数据共享平台的答复无法识别"),
        (_status(200, ["not", "a", "record"]), "数据共享平台的答复中没有所查询的记录"),
        (DataSharingRegistries(APPLICANT), "本业务系统未配置数据共享平台的地址或服务身份，无法查询基础库"),
    ]:
        with pytest.raises(RegistryError) as refused:
            registries.division("330122")
        assert not isinstance(refused.value, RegistryUnavailable | InvalidLookup)
        assert str(refused.value) == text  # what a reviewer reads in the finding: no English, no body


class _Lookup(ItemHandler):
    """Looks the form's division up and reports it as the given handler body would."""

    item_codes = (ITEM_BUSINESS,)

    def __init__(self, body: Callable[[Registries, str], list[Finding]]) -> None:
        self.body = body

    def registry_checks(self, case: CaseView, registries: Registries) -> list[Finding]:
        return self.body(registries, str(case.form.get("business_division_code")))


def _run(handler: ItemHandler, registries: Registries, code: str = "330122") -> list[dict[str, Any]]:
    applicant = ApplicantView(sub="a", type="person", id_number=APPLICANT["id_number"], name="张三")
    case = CaseView(
        case_no="C1",
        item_code=ITEM_BUSINESS,
        item_name="",
        department_code="amr",
        applicant=applicant,
        form={**BUSINESS_FORM, "business_division_code": code},
    )
    return run_checks("lookup", handler, case, registries)


def _propagating(registries: Registries, code: str) -> list[Finding]:
    return [] if registries.division(code) else [Finding("division_unknown", "不存在")]


def _swallowing(registries: Registries, code: str) -> list[Finding]:
    try:
        registries.division(code)
    except RegistryUnavailable:
        return [Finding("registry_unavailable", "空间地理库暂时无法查询，由人工核对")]
    return []


@pytest.mark.parametrize("body", [_propagating, _swallowing], ids=["propagated", "swallowed by the handler"])
def test_an_outage_fails_the_arrival_as_transient_and_is_never_a_finding(
    body: Callable[[Registries, str], list[Finding]],
) -> None:
    with pytest.raises(RegistryOutage) as outage:
        _run(_Lookup(body), _status(503))
    assert isinstance(outage.value, TransientFailure)
    assert isinstance(outage.value.__cause__, RegistryUnavailable)


def test_a_refusal_the_handler_lets_through_is_a_blocking_finding_about_the_look_up() -> None:
    [invalid] = _run(_Lookup(_propagating), _status(422, {"detail": "a division code has 6 digits"}), "030122")
    assert (invalid["kind"], invalid["code"], invalid["blocking"]) == ("registry", "lookup_invalid", True)
    # The registry's English stays in the log; its Chinese is quoted.
    assert invalid["message"] == "申请信息中有基础库不接受的值，请人工核对"
    chinese = {"detail": "提交的内容有误", "errors": [{"field": "code", "message": "行政区划代码应为 6 位数字"}]}
    [invalid] = _run(_Lookup(_propagating), _status(422, chinese), "030122")
    assert invalid["message"] == "申请信息中有基础库不接受的值，请人工核对（行政区划代码应为 6 位数字）"
    [refused] = _run(_Lookup(_propagating), _status(403, {"detail": "no access"}))
    assert (refused["kind"], refused["code"], refused["blocking"]) == ("registry", "registry_error", True)
    assert refused["message"] == "基础库查询未获答复，由人工核对（本业务系统未获该数据的共享授权）"


def test_a_handler_that_fails_is_a_chinese_finding_without_its_exception() -> None:
    class _Broken(ItemHandler):
        item_codes = (ITEM_BUSINESS,)

        def registry_checks(self, case: CaseView, registries: Registries) -> list[Finding]:
            raise KeyError("business_division_code")

    [failed] = _run(_Broken(), _status(200, RECORD))
    assert (failed["kind"], failed["code"], failed["blocking"]) == ("handler", "handler_error", True)
    assert failed["message"] == "本事项的自动检查程序运行出错，未能完成检查，请人工审查（错误已记入系统日志）"


def test_an_outage_is_retried_with_a_chinese_account_of_it() -> None:
    with pytest.raises(RegistryOutage) as outage:
        _run(_Lookup(_propagating), _status(503))
    assert (
        str(outage.value)
        == "办件 C1 所需的基础库暂时无法查询，将重试该办件的接收：数据共享平台暂时无法答复（HTTP 503），稍后自动重试"
    )


def test_the_amr_handler_on_an_arriving_case_an_outage_retries_a_malformed_code_is_a_finding() -> None:
    """check_arrival, as the consumer's prepare stage calls it, with the bureau's real handler."""
    handlers = load_handlers(["individual-business"])

    def arrive(registries: DataSharingRegistries, code: str) -> list[dict[str, Any]]:
        event = dispatched(
            item_code=ITEM_BUSINESS, instant=True, form={**BUSINESS_FORM, "business_division_code": code}
        )
        checks = check_arrival(event, department_code="amr", handlers=handlers, registries=lambda _: registries)
        assert checks is not None
        return checks.findings

    with pytest.raises(TransientFailure):
        arrive(_status(503), "330122")
    with pytest.raises(TransientFailure):
        arrive(_registries(lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused"))), "330122")
    [refused] = arrive(_status(422, {"detail": "a division code has 6 digits"}), "030122")
    assert (refused["code"], refused["field"]) == ("division_code_invalid", "form.business_division_code")
    [malformed] = arrive(_status(200, RECORD), "33-122")
    assert (malformed["kind"], malformed["field"]) == ("form", "form.business_division_code")
    assert arrive(_status(200, RECORD), "330122") == []


def test_a_handler_of_its_own_transient_failure_is_retried_too() -> None:
    class _Flaky(ItemHandler):
        item_codes = (ITEM_BUSINESS,)

        def validate(self, form: Mapping[str, Any], applicant: ApplicantView) -> list[Any]:
            raise TransientFailure("the handler's own dependency timed out")

    registry = HandlerRegistry([LoadedHandler("flaky", _Flaky(), None, None)])
    _, handler = registry.for_item(ITEM_BUSINESS)
    with pytest.raises(TransientFailure):
        _run(handler, _status(200, RECORD))
