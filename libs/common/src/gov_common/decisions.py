"""Evaluating a decision table (a GoRules JDM graph) with zen-engine: service-management checks and
tries tables when they are edited, business systems decide instant approval with them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import zen

# Function nodes run JavaScript and decision nodes load other graphs: neither belongs in data
# that an administrator uploads, so a graph holding one is refused.
ALLOWED_NODE_TYPES = frozenset({"inputNode", "outputNode", "decisionTableNode", "expressionNode", "switchNode"})

_engine = zen.ZenEngine()


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
        raise RuleError("a decision graph needs its nodes")
    for node in nodes:
        if not isinstance(node, dict) or node.get("type") not in ALLOWED_NODE_TYPES:
            kind = node.get("type") if isinstance(node, dict) else node
            raise RuleError(f"node type {kind!r} is not allowed in a decision table")


def evaluate(graph: dict[str, Any], facts: dict[str, Any]) -> RuleDecision:
    check_graph(graph)
    try:
        decision = _engine.create_decision(json.dumps(graph))
        response = decision.evaluate(facts, {"trace": True})
    except RuntimeError as exc:
        raise RuleError(str(exc).split("\n", 1)[0]) from exc
    output = dict(response.get("result") or {})
    eligible = output.get("eligible") is True
    reason = str(output.get("reason") or ("符合条件" if eligible else "无匹配规则，转人工审核"))
    trace = {
        node_id: {"name": entry.get("name"), "trace": entry.get("traceData")}
        for node_id, entry in (response.get("trace") or {}).items()
        if entry.get("traceData") is not None
    }
    return RuleDecision(eligible=eligible, reason=reason, output=output, trace=trace)
