"""Decision tables as data: GoRules JDM graphs evaluated by zen-engine in the business systems.

A table's rows are conditions on the facts (`applicant.*`, `form.*`) and give `eligible` and
`reason`; the first matching row wins.
"""

from __future__ import annotations

from typing import Any

ALLOWED_NODE_TYPES = frozenset({"inputNode", "outputNode", "decisionTableNode", "expressionNode", "switchNode"})


def decision_table(name: str, inputs: list[tuple[str, str]], rows: list[tuple[list[str], bool, str]]) -> dict[str, Any]:
    """Build a one-table JDM graph. `inputs` are (field, label); each row is (cells, eligible, reason)."""
    input_columns = [{"id": f"in{i}", "name": label, "field": field} for i, (field, label) in enumerate(inputs)]
    rules = []
    for n, (cells, eligible, reason) in enumerate(rows):
        rule: dict[str, str] = {"_id": f"r{n}"}
        for i, cell in enumerate(cells):
            rule[f"in{i}"] = cell
        rule["out0"] = "true" if eligible else "false"
        rule["out1"] = '"' + reason.replace('"', "'") + '"'
        rules.append(rule)
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "input", "type": "inputNode", "name": "申请信息", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": name,
                "position": {"x": 300, "y": 0},
                "content": {
                    "hitPolicy": "first",
                    "inputs": input_columns,
                    "outputs": [
                        {"id": "out0", "name": "是否符合", "field": "eligible"},
                        {"id": "out1", "name": "理由", "field": "reason"},
                    ],
                    "rules": rules,
                },
            },
            {"id": "output", "type": "outputNode", "name": "结论", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "e0", "sourceId": "input", "targetId": "table", "type": "edge"},
            {"id": "e1", "sourceId": "table", "targetId": "output", "type": "edge"},
        ],
    }
