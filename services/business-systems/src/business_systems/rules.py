"""Evaluating an item's decision table with zen-engine (GoRules JDM)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import zen

# Function nodes run JavaScript and decision nodes load other graphs: neither belongs in data
# that an administrator uploads, so a graph holding one is refused before evaluation.
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


def evaluate(graph: dict[str, Any], facts: dict[str, Any]) -> RuleDecision:
    for node in graph.get("nodes", []):
        if node.get("type") not in ALLOWED_NODE_TYPES:
            raise RuleError(f"node type {node.get('type')!r} is not allowed in a decision table")
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
