"""Why a rating is bad (差评): the reasons an applicant picks from, after the categories of the national
好差评 system (国办发〔2019〕51号; GB/T 39734-2020 评价内容: 办事指南, 申请材料, 跑动次数, 办理时限,
一次性告知, 办理流程, 服务态度, 网上办事, 收费, 工作作风). A rating of 2 (不满意) or 1 (非常不满意) needs
at least one of them; the department reads them on its rectification task (整改)."""

from __future__ import annotations

from typing import Literal, get_args

BadRatingReason = Literal[
    "guide_inaccurate",
    "too_many_materials",
    "repeated_visits",
    "too_slow",
    "not_told_at_once",
    "complex_process",
    "poor_attitude",
    "online_system",
    "improper_fee",
    "misconduct",
    "other",
]

BAD_RATING_REASONS: dict[str, str] = {
    "guide_inaccurate": "办事指南不准确、不清晰",
    "too_many_materials": "申请材料多，重复提交",
    "repeated_visits": "跑动次数多，未能一次办成",
    "too_slow": "办理时间长或超时办理",
    "not_told_at_once": "补正内容未一次性告知",
    "complex_process": "办理流程繁琐",
    "poor_attitude": "工作人员服务态度差",
    "online_system": "网上办事系统不好用",
    "improper_fee": "违规收费或收费不合理",
    "misconduct": "推诿扯皮、吃拿卡要",
    "other": "其他原因（请在下方说明）",
}
assert set(BAD_RATING_REASONS) == set(get_args(BadRatingReason))
