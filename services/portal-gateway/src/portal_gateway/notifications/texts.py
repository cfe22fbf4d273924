"""What an event tells the applicant: the kind of notification, its title and its body in Chinese.

Pure functions of the event's data (its model, gov_common.contracts.events), so that each text is
unit-tested; an event lacking an optional field a text uses falls back to what it has (an item code for
a missing name) rather than failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from gov_common.contracts.events import (
    CaseAccepted,
    CaseApproved,
    CaseConcluded,
    CaseDenied,
    CaseParties,
    CaseRejected,
    CaseSupplementRequested,
    EventData,
    LicenseEnded,
    LicenseEvent,
    LicenseExpiring,
    LicenseIssued,
)
from gov_common.events import EventTypes

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Kinds:
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    DENIED = "denied"
    CONCLUDED = "concluded"
    LICENSE_ISSUED = "license_issued"
    LICENSE_REVOKED = "license_revoked"
    LICENSE_CANCELLED = "license_cancelled"
    LICENSE_EXPIRED = "license_expired"
    # A held licence nears its end (service-management's reminder, docs/personal-services.md).
    LICENSE_EXPIRING = "license_expiring"
    # Not from an event: the gateway's own record of a password reset at a window.
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a notification kind, not a secret
    # Not from an event either: an account taken back by its owner (the squatting remedy), and a
    # person authorised to act for an entity.
    ACCOUNT_RECLAIMED = "account_reclaimed"
    AGENT_GRANTED = "agent_granted"


@dataclass(frozen=True)
class Text:
    kind: str
    title: str
    body: str
    case_no: str | None = None
    license_no: str | None = None
    item_code: str | None = None  # an item to apply for (the renewal item of an expiring licence)


def _str(value: str | None) -> str:
    return value.strip() if value else ""


def _item(data: CaseParties) -> str:
    return _str(data.item_name) or _str(data.item_code) or "政务服务事项"


def _case(data: CaseParties) -> str:
    return f"您申请的「{_item(data)}」（办件编号 {_str(data.case_no)}）"


def _sentence(label: str, value: str) -> str:
    """`label：value。`, or nothing when there is no value; a value's own full stop is kept once."""
    if not value:
        return ""
    return f"{label}：{value.rstrip('。.')}。"


def _license(data: LicenseEvent) -> str:
    name = _str(data.license_name) or _str(data.license_type) or "电子证照"
    return f"您的电子证照「{name}」（证照编号 {_str(data.license_no)}）"


def _date(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def accepted(data: CaseAccepted) -> Text:
    return Text(
        Kinds.ACCEPTED,
        "办件已受理",
        f"{_case(data)}已受理，正在办理中。您可以在“我的办件”中查看办理进度。",
        case_no=_str(data.case_no),
    )


def supplement_requested(data: CaseSupplementRequested) -> Text:
    names = [_str(m) if isinstance(m, str) else _str(m.name) or _str(m.code) for m in data.materials]
    listed = "、".join(n for n in names if n)
    body = f"{_case(data)}需要补正材料，办理时限暂停计算。"
    body += _sentence("请补正", listed) + _sentence("补正说明", _str(data.reason))
    body += "请在办件详情中提交补正材料。"
    return Text(Kinds.SUPPLEMENT_REQUESTED, "请补正材料", body, case_no=_str(data.case_no))


def rejected(data: CaseRejected) -> Text:
    body = f"{_case(data)}不予受理。" + _sentence("理由", _str(data.reason))
    return Text(Kinds.REJECTED, "办件不予受理", body, case_no=_str(data.case_no))


def approved(data: CaseApproved) -> Text:
    if data.automated:
        title, how = "申请已秒批通过", "经系统自动审批（秒批），准予许可。"
    else:
        title, how = "审批通过", "已审批通过，准予许可。"
    body = f"{_case(data)}{how}" + _sentence("审批意见", _str(data.opinion))
    if data.license is not None:
        body += "电子证照签发后将另行通知您。"
    return Text(Kinds.APPROVED, title, body, case_no=_str(data.case_no))


def denied(data: CaseDenied) -> Text:
    body = f"{_case(data)}审批未通过，不予许可，办件已办结。" + _sentence("审批意见", _str(data.opinion))
    return Text(Kinds.DENIED, "不予许可", body, case_no=_str(data.case_no))


def concluded(data: CaseConcluded) -> Text:
    license_no = _str(data.license_no) or None
    body = f"{_case(data)}已办结。"
    if license_no:
        body += f"电子证照编号 {license_no}，可在“我的证照”中查看。"
    body += "欢迎您对本次服务进行评价（好差评）。"
    return Text(Kinds.CONCLUDED, "办件已办结", body, case_no=_str(data.case_no), license_no=license_no)


def license_issued(data: LicenseIssued) -> Text:
    body = f"{_license(data)}已签发，可在“我的证照”中查看、亮证和用证。"
    valid_until = _date(data.valid_until)
    body += f"有效期至{valid_until}。" if valid_until else "长期有效。"
    return Text(
        Kinds.LICENSE_ISSUED,
        "电子证照已签发",
        body,
        case_no=_str(data.case_no) or None,
        license_no=_str(data.license_no),
    )


def _license_changed(kind: str, title: str, verb: str) -> Callable[[LicenseEnded], Text]:
    def compose(data: LicenseEnded) -> Text:
        body = f"{_license(data)}{verb}，不能再用于亮证和用证。" + _sentence("原因", _str(data.reason))
        return Text(kind, title, body, case_no=_str(data.case_no) or None, license_no=_str(data.license_no))

    return compose


def license_expiring(data: LicenseExpiring) -> Text:
    until = _date(data.valid_until)
    days = data.days_left
    left = f"（还有 {days} 天）" if days is not None and days >= 0 else ""
    body = f"{_license(data)}将于{until or '近期'}到期{left}。"
    renewal = data.renewal_item
    item_code = _str(renewal.code) if renewal is not None else ""
    if renewal is not None and item_code:
        body += f"请及时办理「{_str(renewal.name) or item_code}」，以免影响使用。"
    else:
        body += "请及时到发证部门办理延续手续。"
    body += "如不需要此类提醒，可在“个性化服务设置”中关闭。"
    return Text(
        Kinds.LICENSE_EXPIRING,
        "电子证照即将到期",
        body,
        license_no=_str(data.license_no),
        item_code=item_code or None,
    )


# Each event type that notifies its applicant or holder, to its text (of the model of that type's data).
COMPOSERS: dict[str, Callable[[Any], Text]] = {
    EventTypes.CASE_ACCEPTED: accepted,
    EventTypes.CASE_SUPPLEMENT_REQUESTED: supplement_requested,
    EventTypes.CASE_REJECTED: rejected,
    EventTypes.CASE_APPROVED: approved,
    EventTypes.CASE_DENIED: denied,
    EventTypes.CASE_CONCLUDED: concluded,
    EventTypes.LICENSE_ISSUED: license_issued,
    EventTypes.LICENSE_REVOKED: _license_changed(Kinds.LICENSE_REVOKED, "电子证照已吊销", "已被发证部门吊销"),
    EventTypes.LICENSE_CANCELLED: _license_changed(Kinds.LICENSE_CANCELLED, "电子证照已注销", "已注销"),
    EventTypes.LICENSE_EXPIRED: _license_changed(Kinds.LICENSE_EXPIRED, "电子证照已过期", "已过有效期"),
    EventTypes.LICENSE_EXPIRING: license_expiring,
}


def compose(data: EventData) -> Text | None:
    """The notification an event's data makes, or None for a type that notifies nobody."""
    composer = COMPOSERS.get(data.TYPE)
    return composer(data) if composer is not None else None


def password_reset(*, clerk: str) -> Text:
    return Text(
        kind=Kinds.PASSWORD_RESET,
        title="登录密码已在窗口重置",
        body=(
            f"您的登录密码已由窗口工作人员（{clerk}）在核验身份证件后重置，原密码已失效。"
            "如非本人办理，请立即携带身份证件到政务服务窗口处理。"
        ),
    )


def account_reclaimed(*, by: str) -> Text:
    """The owner of a number took back the account registered under it in another name, by signing
    in through the identity provider (`by` is its name as people know it)."""
    return Text(
        kind=Kinds.ACCOUNT_RECLAIMED,
        title="账号已收回到您的名下",
        body=(
            f"您已通过{by}完成身份认证。本账号此前登记的姓名与认证结果不一致，现已更正为您的姓名，"
            "账号由您收回：此前的登录会话已全部失效，原登录密码和手机号码已停用。"
            "此后请通过统一身份认证登录；如需密码登录，请携带身份证件到政务服务窗口办理。"
            "账号中如有非您本人办理的事项，请到政务服务窗口反映。"
        ),
    )


def account_reclaimed_at_window(*, clerk: str) -> Text:
    """The owner of the number took the account back at a window, the identity document checked."""
    return Text(
        kind=Kinds.ACCOUNT_RECLAIMED,
        title="账号已由本人找回",
        body=(
            f"此前以您的身份证号码注册的账号已由您本人在窗口找回（窗口工作人员 {clerk} 核验身份证件后办理），"
            "原登录密码和所有登录会话均已失效，姓名和手机号码已按核验结果更正。"
            "如非本人办理，请立即携带身份证件到政务服务窗口处理。"
        ),
    )


def agent_granted(*, entity: str) -> Text:
    return Text(
        kind=Kinds.AGENT_GRANTED,
        title="您已被授权为单位经办人",
        body=f"「{entity}」的法定代表人已授权您代表该单位办理政务服务事项。您可在“我的单位”中切换身份办理。",
    )
