import pytest

from gov_common.decisions import RuleError, evaluate
from service_management.rules import decision_table
from service_management.seed import ITEMS

BUSINESS_REGISTRATION = next(i for i in ITEMS if i["code"].endswith("AMR-XK-0001"))["rule"]


def test_eligible_applicant_is_approved_with_the_matching_row_in_the_trace() -> None:
    decision = evaluate(BUSINESS_REGISTRATION, {"applicant": {"age": 30}, "form": {"capital": 5}})
    assert decision.eligible is True
    assert decision.reason == "符合秒批条件"
    assert decision.trace["table"]["trace"]["index"] == 2


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"applicant": {"age": 16}, "form": {"capital": 5}}, "申请人未满十八周岁，转人工审核"),
        ({"applicant": {"age": 30}, "form": {"capital": 500}}, "资金数额超过100万元，转人工审核"),
    ],
)
def test_ineligible_applicant_is_not_approved_and_the_reason_says_why(facts: dict, reason: str) -> None:
    decision = evaluate(BUSINESS_REGISTRATION, facts)
    assert decision.eligible is False
    assert decision.reason == reason


def test_a_table_with_no_matching_row_is_not_eligible() -> None:
    graph = decision_table("t", [("form.x", "x")], [(["> 10"], True, "ok")])
    assert evaluate(graph, {"form": {"x": 1}}).eligible is False


def test_graphs_with_code_nodes_are_refused() -> None:
    graph = decision_table("t", [("form.x", "x")], [([""], True, "ok")])
    graph["nodes"].append(
        {"id": "f", "type": "functionNode", "name": "f", "content": {"source": "export const handler = () => ({})"}}
    )
    with pytest.raises(RuleError):
        evaluate(graph, {"form": {"x": 1}})
