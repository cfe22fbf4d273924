"""Evaluating a decision table (a GoRules JDM graph) with zen-engine: service-management checks and
tries tables when they are edited, business systems decide instant approval with them."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import zen

from gov_common.decision_limits import TooCostly, check_cost
from gov_common.decision_sandbox import SandboxError, sandbox

# Function nodes run JavaScript and decision nodes load other graphs: neither belongs in data
# that an administrator uploads, so a graph holding one is refused.
ALLOWED_NODE_TYPES = frozenset({"inputNode", "outputNode", "decisionTableNode", "expressionNode", "switchNode"})

# A case's facts are its applicant's and its form's (a form is at most ~50,000 characters of answers,
# service_management.catalogue.service); this leaves room and bounds what an expression can build.
MAX_FACTS_CHARS = 64 * 1024
MAX_NODES = 50
MAX_TABLE_ROWS = 2000
_CJK = re.compile(r"[\u4e00-\u9fff]")


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class RuleDecision:
    eligible: bool
    reason: str
    output: dict[str, Any]
    trace: dict[str, Any]


def check_graph(graph: dict[str, Any]) -> None:
    nodes = graph.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise RuleError("决策图中没有任何节点")
    if len(nodes) > MAX_NODES:
        raise RuleError(f"决策图至多 {MAX_NODES} 个节点")
    for node in nodes:
        if not isinstance(node, dict) or node.get("type") not in ALLOWED_NODE_TYPES:
            kind = node.get("type") if isinstance(node, dict) else node
            raise RuleError(f"决策表中不允许使用节点类型 {kind!r}")
        content = node.get("content")
        rules = content.get("rules") if isinstance(content, dict) else None
        if isinstance(rules, list) and len(rules) > MAX_TABLE_ROWS:
            raise RuleError(f"决策表至多 {MAX_TABLE_ROWS} 行")


class ExpressionError(RuleError):
    """An expression in the graph that zen cannot parse, with where it is. The message is Chinese and
    quotes neither the expression nor zen's English (`engine_detail`, for the log)."""

    code = "expression_invalid"

    def __init__(
        self, message: str, *, node: str, row: int | None = None, column: str | None = None, engine_detail: str = ""
    ) -> None:
        super().__init__(message)
        self.node, self.row, self.column = node, row, column
        self.engine_detail = engine_detail

    def location(self) -> dict[str, Any]:
        return {k: v for k, v in (("node", self.node), ("row", self.row), ("column", self.column)) if v is not None}


def _parser_error(exc: RuntimeError) -> str:
    first = str(exc).split("\n", 1)[0]
    try:
        return str(json.loads(first).get("source") or first)
    except (ValueError, AttributeError):
        return first


class ExpressionTooCostly(ExpressionError):
    """An expression that could take too long or too much memory (gov_common.decision_limits)."""

    code = "expression_too_costly"


def _where(node: str, row: int | None, column: str) -> str:
    return f"节点“{node}”" + (f"第 {row} 行" if row is not None else "") + f"“{column}”列"


def _check(expression: Any, *, unary: bool, node: str, row: int | None, column: str, parse: bool) -> None:
    if not isinstance(expression, str):
        raise ExpressionError(f"{column}：表达式应为文字", node=node, row=row, column=column)
    if not expression.strip():
        return  # an empty cell matches anything (input) or sets nothing (output)
    try:
        check_cost(expression, unary=unary)
    except TooCostly as exc:
        raise ExpressionTooCostly(
            f"{_where(node, row, column)}的表达式不予接受：{exc}", node=node, row=row, column=column
        ) from None
    if not parse:
        return
    try:
        (zen.compile_unary_expression if unary else zen.compile_expression)(expression)
    except RuntimeError as exc:
        raise ExpressionError(
            f"{_where(node, row, column)}的写法无法识别，请检查比较符号、数值、引号和括号",
            node=node,
            row=row,
            column=column,
            engine_detail=_parser_error(exc),
        ) from None


def check_expressions(graph: dict[str, Any]) -> None:
    """Every condition and output in the graph is within the cost limits and parses. zen itself
    takes an unparsable condition as one that never matches, so a typo would silently send every
    case to manual review."""
    for expression, where in _expressions(graph):
        _check(expression, **where, parse=True)


@lru_cache(maxsize=256)
def _costs_checked(graph_json: str) -> None:
    for expression, where in _expressions(json.loads(graph_json)):
        _check(expression, **where, parse=False)


def _expressions(graph: dict[str, Any]) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every expression of the graph, with where it is (node, row, column) and how zen reads it."""
    for node in graph.get("nodes") or []:
        if not isinstance(node, dict):
            continue
        name = str(node.get("name") or node.get("id") or "")
        content = node.get("content")
        if not isinstance(content, dict):
            continue
        if node.get("type") == "decisionTableNode":
            columns = [
                (str(c.get("id")), str(c.get("name") or c.get("field") or c.get("id")), unary)
                for key, unary in (("inputs", True), ("outputs", False))
                for c in content.get(key) or []
                if isinstance(c, dict)
            ]
            for number, rule in enumerate(content.get("rules") or [], start=1):
                if not isinstance(rule, dict):
                    raise ExpressionError(f"第 {number} 行格式不正确", node=name, row=number)
                for column_id, label, unary in columns:
                    if column_id in rule:
                        yield rule[column_id], {"unary": unary, "node": name, "row": number, "column": label}
        elif node.get("type") == "expressionNode":
            for entry in content.get("expressions") or []:
                if isinstance(entry, dict):
                    where = {"unary": False, "node": name, "row": None, "column": str(entry.get("key"))}
                    yield entry.get("value", ""), where
        elif node.get("type") == "switchNode":
            for number, statement in enumerate(content.get("statements") or [], start=1):
                if isinstance(statement, dict):
                    where = {"unary": False, "node": name, "row": number, "column": "条件"}
                    yield statement.get("condition", ""), where


# zen-engine takes 64-bit integers and 96-bit decimals (about 7.9e28): a fact beyond, or NaN, makes it
# fail with a bare Exception or an OverflowError rather than answer.
MAX_FACT_NUMBER = 2**63 - 1


def _fact_problem(value: Any, path: str) -> str | None:
    """Where and why a fact cannot be handed to the engine, if it cannot."""
    if isinstance(value, dict):
        for key, item in value.items():
            if found := _fact_problem(item, f"{path}.{key}"):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if found := _fact_problem(item, f"{path}[{index}]"):
                return found
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_FACT_NUMBER:
            return f"{path}：数值 {str(value)[:40]} 超出了决策表可比较的范围"
    elif isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{path}：不是有效的 Unicode 文字"
    return None


# zen's errors about a graph's shape (`{"type": "InvalidGraph", "source": {"type": ...}}`), in Chinese.
_GRAPH_PROBLEMS = {
    "missingNode": "决策图中有连线指向不存在的节点",
    "cyclicGraph": "决策图的连线构成了循环",
}


def _engine_problem(error: str) -> str:
    """What the sandbox reported, in Chinese: its own messages are; zen's (English, often JSON) are
    named by their kind, never quoted."""
    if _CJK.search(error):
        return error
    try:
        found = json.loads(error)
    except ValueError:
        found = None
    source = found.get("source") if isinstance(found, dict) else None
    kind = source.get("type") if isinstance(source, dict) else None
    return _GRAPH_PROBLEMS.get(str(kind), "决策表无法运行，请检查各节点之间的连线和表格的设置")


def evaluate(graph: dict[str, Any], facts: dict[str, Any]) -> RuleDecision:
    """The graph's decision on the facts. Bounded three ways: the graph's expressions are within the
    cost limits (checked again here, for tables stored before the limits), the facts are at most
    MAX_FACTS_CHARS, and the evaluation runs in the sandbox, stopped at its deadline."""
    check_graph(graph)
    if problem := _fact_problem(facts, "facts"):
        raise RuleError(problem)
    graph_json = json.dumps(graph, ensure_ascii=False, sort_keys=True)
    _costs_checked(graph_json)
    facts_json = json.dumps(facts, ensure_ascii=False, default=str)
    if len(facts_json) > MAX_FACTS_CHARS:
        raise RuleError(f"用于判断的数据超过 {MAX_FACTS_CHARS} 个字符")
    try:
        response = sandbox().evaluate(graph_json, facts_json)
    except SandboxError as exc:
        raise RuleError(_engine_problem(str(exc))) from exc
    output = dict(response.get("result") or {})
    eligible = output.get("eligible") is True
    reason = str(output.get("reason") or ("符合条件" if eligible else "无匹配规则，转人工审核"))
    trace = {
        node_id: {"name": entry.get("name"), "trace": entry.get("traceData")}
        for node_id, entry in (response.get("trace") or {}).items()
        if entry.get("traceData") is not None
    }
    return RuleDecision(eligible=eligible, reason=reason, output=output, trace=trace)
