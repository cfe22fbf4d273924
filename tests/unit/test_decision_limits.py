"""What a decision table's expression may cost (gov_common.decision_limits), and the sandbox that
bounds an evaluation whatever gets through (gov_common.decision_sandbox)."""

from __future__ import annotations

import json
import os
import resource
import threading
import time

import pytest

from gov_common.decision_limits import MAX_EXPRESSION_CHARS, TooCostly, check_cost
from gov_common.decision_sandbox import DecisionSandbox, SandboxError
from gov_common.decisions import MAX_FACTS_CHARS, ExpressionTooCostly, RuleError, check_expressions, evaluate
from service_management.rules.tables import decision_table


@pytest.mark.parametrize(
    ("expression", "unary", "why"),
    [
        ("len(map([0..10000000], # * 2)) == 1", False, "相差超过 1000"),
        ("some([1..100000000000], # == 5)", False, "相差超过 1000"),  # aborts the process in zen
        ("count([0..1001], # > 2) > 0", False, "相差超过 1000"),
        ("map(true ? [0..100000000] : [], #)", False, "相差超过 1000"),
        ("len(flatten([1, [0..10000000]]))", False, "相差超过 1000"),
        ("`${map([0..10000000], #)}`", False, "相差超过 1000"),  # a template's parts are expressions
        ("not([0..10000000000])", True, "相差超过 1000"),
        ("map([1..form.n], #)", False, "只能用在 `in` 之后"),  # an applicant's answer would size it
        ("[d('2020-01-01')..d('2021-01-01')]", True, "应为数字或输入字段"),
        ("map(form.a, map(form.b, #))", False, "嵌套在另一个闭包函数的回调中"),
        ("some(form.a, count(form.b, # == 1) > 0)", False, "嵌套在另一个闭包函数的回调中"),
        ("(" * 17 + "1" + ")" * 17, False, "括号嵌套超过 16 层"),
        ("x" * (MAX_EXPRESSION_CHARS + 1), False, f"超过 {MAX_EXPRESSION_CHARS} 个字符"),
    ],
)
def test_costly_expressions_are_refused_with_the_reason(expression: str, unary: bool, why: str) -> None:
    with pytest.raises(TooCostly, match=why):
        check_cost(expression, unary=unary)


@pytest.mark.parametrize(
    ("expression", "unary"),
    [
        ("5 in [0..10000000000]", False),  # compared against its ends: nothing is built
        ("applicant.age not in [0..10000000000]", False),
        ("applicant.age in [form.min..form.max]", False),
        ("[0..10000000000]", True),
        ("[18..60], [70..100000000]", True),
        ("(0..100000000]", True),
        ("]1..5[", True),
        ("> 18", True),
        ("map([1..12], # * 2)", False),
        ("map([-5..-1], #)", False),
        ("count([0..1000], # > 2) > 0", False),
        ("filter(map(form.a, # * 2), # > 5)", False),  # one closure's result fed to another: linear
        ("'[0..100000000]' == form.x", False),  # a string, not an interval
        ('"申请人未满十八周岁，转人工审核"', False),
        ("date(form.d).add(1, 'd') > date('2020-01-01')", False),
    ],
)
def test_ordinary_expressions_pass(expression: str, unary: bool) -> None:
    check_cost(expression, unary=unary)


def _table(cell: str) -> dict:  # type: ignore[type-arg]
    return decision_table("秒批规则", [("applicant.age", "申请人年龄")], [([cell], True, "符合"), ([""], False, "否")])


def test_a_costly_cell_is_named_by_its_node_row_and_column() -> None:
    graph = _table("[18..60]")
    graph["nodes"][1]["content"]["rules"][1]["out1"] = "len(map([0..10000000], # * 2)) == 1"
    with pytest.raises(ExpressionTooCostly) as refused:
        check_expressions(graph)
    assert refused.value.location() == {"node": "秒批规则", "row": 2, "column": "理由"}
    assert refused.value.code == "expression_too_costly" and "相差超过 1000" in str(refused.value)


def test_a_stored_costly_table_is_not_evaluated() -> None:
    """A table stored before the limits is checked again when it is evaluated: refused at once."""
    graph = _table("")
    graph["nodes"][1]["content"]["rules"][0]["out1"] = "some([1..100000000000], # == 5)"
    started = time.monotonic()
    with pytest.raises(RuleError, match="相差超过 1000"):
        evaluate(graph, {"applicant": {"age": 30}})
    assert time.monotonic() - started < 5  # evaluated, it would run for hours


def test_facts_larger_than_the_bound_are_not_evaluated() -> None:
    with pytest.raises(RuleError, match="用于判断的数据超过"):
        evaluate(_table("> 17"), {"applicant": {"age": 30}, "form": {"s": "x" * MAX_FACTS_CHARS}})
    assert evaluate(_table("> 17"), {"applicant": {"age": 30}}).eligible is True


def _graph(cell: str) -> str:
    graph = _table("")
    graph["nodes"][1]["content"]["rules"][0]["out1"] = cell
    return json.dumps(graph)


# Seconds of work in zen within its memory cap: five million numbers counted, five times over.
SLOW = " + ".join(f"count([0..5000000], # > {n})" for n in range(5)) + " > 0"


def test_the_sandbox_stops_an_evaluation_at_its_deadline_and_starts_again() -> None:
    sandbox = DecisionSandbox(timeout=0.5)
    try:
        assert sandbox.evaluate(_graph('"ok"'), "{}")["result"]["reason"] == "ok"
        started = time.monotonic()
        with pytest.raises(SandboxError, match=r"超过 0\.5 秒"):
            sandbox.evaluate(_graph(SLOW), "{}")
        assert time.monotonic() - started < 4
        assert sandbox.evaluate(_graph('"again"'), "{}")["result"]["reason"] == "again"
        # The finding (2 s per evaluation in the service) ends within the deadline, one way or the other.
        started = time.monotonic()
        with pytest.raises(SandboxError):
            sandbox.evaluate(_graph("len(map([0..10000000], # * 2)) == 1"), "{}")
        assert time.monotonic() - started < 4
    finally:
        sandbox.close()


def test_a_huge_allocation_ends_the_sandbox_not_the_service() -> None:
    sandbox = DecisionSandbox()
    try:
        with pytest.raises(SandboxError, match="计算失败"):
            sandbox.evaluate(_graph("some([1..100000000000], # == 5)"), "{}")  # zen aborts its process
        assert sandbox.evaluate(_graph('"alive"'), "{}")["result"]["reason"] == "alive"
    finally:
        sandbox.close()


def test_the_service_keeps_running_while_an_evaluation_runs() -> None:
    """zen holds the GIL while it evaluates; in the sandbox it holds the child's, not the service's."""
    sandbox = DecisionSandbox(timeout=0.8)
    ticks = 0
    try:
        sandbox.evaluate(_graph('"warm"'), "{}")

        def run_away() -> None:
            with pytest.raises(SandboxError):
                sandbox.evaluate(_graph(SLOW), "{}")

        worker = threading.Thread(target=run_away)
        worker.start()
        while worker.is_alive():
            time.sleep(0.01)
            ticks += 1
        worker.join()
    finally:
        sandbox.close()
    assert ticks >= 20, f"the service's own threads ran only {ticks} times in 0.8 s"


def test_an_evaluation_works_with_descriptors_numbered_above_1024() -> None:
    """select() refuses a descriptor ≥ 1024: a busy service (many connections and files) could not evaluate."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(1200, hard), hard))
    held: list[int] = []
    try:
        while not held or held[-1] < 1030:
            held.append(os.dup(0))
        sandbox = DecisionSandbox(timeout=5)
        try:
            result = sandbox.evaluate(_graph('"high"'), "{}")
        finally:
            sandbox.close()
        assert result is not None
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
