"""Stock opinions (常用意见): phrases a reviewer picks to fill the opinion box, per kind of action.
Each department's deployment may set its own (BS_OPINION_TEMPLATES, a JSON object of lists by
action); an action it leaves out keeps the defaults below. These seed the department's list until its
department admin keeps its own (business_systems.stock_opinions)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

OpinionAction = Literal["pass", "approve", "deny", "send_back"]

DEFAULT_OPINIONS: dict[OpinionAction, list[str]] = {
    "pass": [
        "材料齐全，符合法定形式，拟同意，请审核。",
        "经现场核查，实际情况与申请材料一致，拟同意。",
        "经审查，申请人符合许可条件，建议准予许可。",
    ],
    "approve": [
        "经审查，申请材料齐全、符合法定形式，同意准予许可。",
        "符合相关法律法规规定的条件，准予许可。",
        "同意。",
    ],
    "deny": [
        "经审查，申请人不符合法定许可条件，不予许可。",
        "经现场核查，实际情况与申请材料不一致，不予许可。",
        "申请事项依法不属于本机关职权范围，不予许可。",
    ],
    "send_back": [
        "申请材料不齐全，请补充后重新提交审核。",
        "核查意见不明确，请补充现场核查记录。",
        "请核实申请人信息与登记信息是否一致。",
    ],
}


class OpinionTemplatesOut(BaseModel):
    department_code: str
    templates: dict[OpinionAction, list[str]] = Field(
        description="stock phrases by action: pass (to the next step), approve, deny, send_back"
    )


def templates_for(configured: dict[OpinionAction, list[str]] | None) -> dict[OpinionAction, list[str]]:
    """The deployment's phrases, the defaults for any action it does not set."""
    chosen = dict(DEFAULT_OPINIONS)
    for action, phrases in (configured or {}).items():
        kept = [p.strip() for p in phrases if p.strip()]
        if kept:
            chosen[action] = kept
    return chosen
