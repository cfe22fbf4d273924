"""What each kind of notification says: its kind, title and body in Chinese, its links, and whom
it is for. Pure functions of the event, so no infrastructure here."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gov_common.contracts.events import EVENT_MODELS, EventData
from gov_common.events import EventTypes, applicant_data
from portal_gateway.notifications import consumer, texts
from portal_gateway.notifications.consumer import Recipient, make_handlers
from portal_gateway.notifications.texts import COMPOSERS, Text, account_reclaimed, password_reset

PERSON = "11010519491231002X"
USCC = "91330122MA2B0C8Q5D"  # a valid unified social credit code (GB 32100)
CASE = {
    "case_no": "202611250000000001",
    "item_code": "330122-AMR-XK-0001",
    "item": {"code": "330122-AMR-XK-0001", "name": "个体工商户设立登记"},
    "applicant": applicant_data(type="person", id_number=PERSON, name="张三"),
}
LICENCE_TO_ISSUE = {
    "type": "individual_business_license",
    "holder": {"id_number": PERSON, "name": "张三", "type": "person"},
    "issuer_department": "amr",
}
LICENSE = {
    "license_no": "AMR-20261125-000001",
    "license_type": "individual_business_license",
    "license_name": "个体工商户营业执照",
    "case_no": "202611250000000001",
    "holder_id_number": PERSON,
    "holder_type": "person",
}


def _data(event_type: str, data: dict[str, Any]) -> EventData:
    """The event's data as its consumer parses it (gov_common.contracts.events)."""
    return EVENT_MODELS[event_type].model_validate(data)


def compose(event_type: str, data: dict[str, Any]) -> Text | None:
    return texts.compose(_data(event_type, data))


def recipient_of(event_type: str, data: dict[str, Any]) -> Recipient | None:
    return consumer.recipient_of(_data(event_type, data))


def text(event_type: str, **data: Any) -> Any:
    composed = compose(event_type, {**CASE, **data})
    assert composed is not None
    return composed


def test_accepted() -> None:
    t = text(EventTypes.CASE_ACCEPTED, note="online pre-check passed")
    assert (t.kind, t.title, t.case_no, t.license_no) == ("accepted", "办件已受理", CASE["case_no"], None)
    assert t.body == (
        "您申请的「个体工商户设立登记」（办件编号 202611250000000001）已受理，正在办理中。"
        "您可以在“我的办件”中查看办理进度。"
    )


def test_supplement_requested_lists_the_materials_and_the_reason() -> None:
    t = text(
        EventTypes.CASE_SUPPLEMENT_REQUESTED,
        materials=[{"code": "BJT", "name": "设备布局图"}, {"code": "SFZ", "name": "身份证明"}],
        reason="请补充设备布局图。",
    )
    assert (t.kind, t.title) == ("supplement_requested", "请补正材料")
    assert t.body == (
        "您申请的「个体工商户设立登记」（办件编号 202611250000000001）需要补正材料，办理时限暂停计算。"
        "请补正：设备布局图、身份证明。补正说明：请补充设备布局图。请在办件详情中提交补正材料。"
    )


def test_rejected_gives_the_reason() -> None:
    t = text(EventTypes.CASE_REJECTED, reason="经营场所位于禁设区域")
    assert (t.kind, t.title) == ("rejected", "办件不予受理")
    assert t.body.endswith("）不予受理。理由：经营场所位于禁设区域。")


def test_approved_by_a_reviewer_and_instantly() -> None:
    reviewed = text(EventTypes.CASE_APPROVED, automated=False, opinion="材料齐全，准予许可", license=LICENCE_TO_ISSUE)
    assert (reviewed.kind, reviewed.title) == ("approved", "审批通过")
    assert "已审批通过，准予许可。审批意见：材料齐全，准予许可。电子证照签发后将另行通知您。" in reviewed.body
    instant = text(EventTypes.CASE_APPROVED, automated=True, opinion="符合秒批条件")
    assert instant.title == "申请已秒批通过"
    assert "经系统自动审批（秒批），准予许可。" in instant.body
    assert "另行通知" not in instant.body  # no licence expected


def test_denied_ends_the_case_with_the_opinion() -> None:
    t = text(EventTypes.CASE_DENIED, opinion="经营场所不符合要求")
    assert (t.kind, t.title) == ("denied", "不予许可")
    assert t.body.endswith("审批未通过，不予许可，办件已办结。审批意见：经营场所不符合要求。")


def test_concluded_links_the_licence() -> None:
    t = text(EventTypes.CASE_CONCLUDED, license_no="AMR-1")
    assert (t.kind, t.title, t.case_no, t.license_no) == ("concluded", "办件已办结", CASE["case_no"], "AMR-1")
    assert "已办结。电子证照编号 AMR-1，可在“我的证照”中查看。欢迎您对本次服务进行评价（好差评）。" in t.body
    without = text(EventTypes.CASE_CONCLUDED, license_no=None)
    assert without.license_no is None and "电子证照" not in without.body


def test_license_issued_with_its_validity_in_shanghai_time() -> None:
    t = compose(EventTypes.LICENSE_ISSUED, {**LICENSE, "valid_until": "2031-11-24T16:00:00+00:00"})
    assert t is not None
    assert (t.kind, t.title, t.license_no, t.case_no) == (
        "license_issued",
        "电子证照已签发",
        "AMR-20261125-000001",
        "202611250000000001",
    )
    assert t.body == (
        "您的电子证照「个体工商户营业执照」（证照编号 AMR-20261125-000001）已签发，"
        "可在“我的证照”中查看、亮证和用证。有效期至2031年11月25日。"
    )
    forever = compose(EventTypes.LICENSE_ISSUED, {**LICENSE, "valid_until": None})
    assert forever is not None and forever.body.endswith("长期有效。")


@pytest.mark.parametrize(
    ("event_type", "kind", "title", "verb"),
    [
        (EventTypes.LICENSE_REVOKED, "license_revoked", "电子证照已吊销", "已被发证部门吊销"),
        (EventTypes.LICENSE_CANCELLED, "license_cancelled", "电子证照已注销", "已注销"),
        (EventTypes.LICENSE_EXPIRED, "license_expired", "电子证照已过期", "已过有效期"),
    ],
)
def test_a_licence_that_ends(event_type: str, kind: str, title: str, verb: str) -> None:
    t = compose(event_type, {**LICENSE, "reason": "违法经营", "status": kind})
    assert t is not None and (t.kind, t.title) == (kind, title)
    assert t.body == (
        f"您的电子证照「个体工商户营业执照」（证照编号 AMR-20261125-000001）{verb}，不能再用于亮证和用证。"
        "原因：违法经营。"
    )


def test_an_event_from_before_names_were_carried_falls_back_to_the_item_code() -> None:
    t = compose(EventTypes.CASE_ACCEPTED, {"case_no": "C1", "item_code": "330122-AMR-XK-0002"})
    assert t is not None and "「330122-AMR-XK-0002」（办件编号 C1）" in t.body


def test_other_event_types_notify_nobody() -> None:
    assert compose(EventTypes.CASE_SUBMITTED, CASE) is None
    assert compose("gov.case.clock_changed", CASE) is None
    assert set(make_handlers()) == set(COMPOSERS)
    assert EventTypes.CASE_DISPATCHED not in make_handlers()


def test_the_recipient_is_the_applicant_or_the_holder_by_identity() -> None:
    assert recipient_of(EventTypes.CASE_ACCEPTED, CASE) == Recipient("person", PERSON)
    entity = {**CASE, "applicant": applicant_data(type="entity", id_number=USCC, name="某某公司")}
    assert entity["applicant"] == {"type": "entity", "uscc": USCC, "name": "某某公司"}
    assert recipient_of(EventTypes.CASE_APPROVED, entity) == Recipient("entity", USCC)
    assert recipient_of(EventTypes.LICENSE_ISSUED, LICENSE) == Recipient("person", PERSON)
    lower = {**LICENSE, "holder_id_number": PERSON.lower(), "holder_type": "entity"}
    assert recipient_of(EventTypes.LICENSE_REVOKED, lower) == Recipient("entity", PERSON)
    # An event without an identity, or with a malformed number, concerns nobody.
    assert recipient_of(EventTypes.CASE_CONCLUDED, {"case_no": "C1", "applicant_sub": "x"}) is None
    # A malformed applicant is refused before it reaches the texts (dead-lettered by the consumer).
    with pytest.raises(ValidationError):
        recipient_of(EventTypes.CASE_ACCEPTED, {**CASE, "applicant": "张三"})
    with pytest.raises(ValidationError):
        recipient_of(EventTypes.CASE_ACCEPTED, {**CASE, "applicant": {"type": "staff", "id_number": "1"}})
    assert recipient_of(EventTypes.LICENSE_ISSUED, {**LICENSE, "holder_id_number": ""}) is None
    assert recipient_of(EventTypes.LICENSE_ISSUED, {**LICENSE, "holder_id_number": PERSON + "0"}) is None


def test_password_reset_at_the_window_names_the_clerk_and_what_to_do() -> None:
    t = password_reset(clerk="李窗口")
    assert (t.kind, t.title, t.case_no, t.license_no) == ("password_reset", "登录密码已在窗口重置", None, None)
    assert "（李窗口）" in t.body and "原密码已失效" in t.body and "如非本人办理" in t.body


def test_an_account_taken_back_names_the_platform_and_what_ended() -> None:
    t = account_reclaimed(by="浙江政务服务网统一身份认证")
    assert (t.kind, t.title, t.case_no, t.license_no) == ("account_reclaimed", "账号已收回到您的名下", None, None)
    assert "通过浙江政务服务网统一身份认证完成身份认证" in t.body
    assert "登录会话已全部失效" in t.body and "原登录密码和手机号码已停用" in t.body and "政务服务窗口" in t.body
