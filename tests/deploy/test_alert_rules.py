"""The alert rules shipped for the Prometheus Operator (deploy/k8s/components/monitoring), checked
without a cluster: the production overlay renders them (their schema: test_k8s.py); Prometheus' own
rule loader (scripts/deploy/promrules, built by tools.sh) accepts every expression and template; every
metric an expression selects is one the code defines; each alert waits (`for`), has a severity, a
summary and a description, and has its section in docs/operations.md."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

# The modules that define metrics, imported for their definitions.
import gov_common.backlog
import gov_common.dead_letters
import gov_common.messaging
import gov_common.revocation  # noqa: F401
from tests.deploy.conftest import Rendered, run, tool
from tests.deploy.platform_code import REPO

# Made by Prometheus itself for every target.
FROM_PROMETHEUS = {"up"}
# Named by a contract and defined on another branch; once the code defines it, this test fails until
# the name is taken out of here.
NOT_YET_DEFINED: set[str] = set()
REQUIRED_ALERTS = {
    "GovOutboxStalled",
    "GovOutboxBacklogGrowing",
    "GovConsumerLagHigh",
    "GovDeadLettersPending",
    "GovServiceDown",
    "GovServiceNotReady",
    "GovHttpServerErrors",
    "GovHttpUnavailable",
}
SUFFIXES = {"counter": ["_total", "_created"], "histogram": ["_bucket", "_sum", "_count", "_created"]}


def defined_metrics() -> set[str]:
    """The sample names of every metric the code registers (gov_common.metrics and the rest)."""
    names: set[str] = set()
    for collector in list(REGISTRY._collector_to_names):
        describe = getattr(collector, "describe", None)
        for family in describe() if describe is not None else collector.collect():
            names.add(family.name)
            names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, []))
    return names


@pytest.fixture(scope="module")
def rule_groups(render: Callable[[str], Rendered]) -> list[dict[str, Any]]:
    rules = render("production").named("PrometheusRule", "gov-platform")
    groups: list[dict[str, Any]] = rules["spec"]["groups"]
    return groups


@pytest.fixture(scope="module")
def alerts(rule_groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in rule_groups for rule in group["rules"] if "alert" in rule}


def test_prometheus_loads_the_rules_and_they_select_only_metrics_the_code_defines(
    rule_groups: list[dict[str, Any]], tmp_path: Path
) -> None:
    promrules = tool("bin/promrules")
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(yaml.safe_dump({"groups": rule_groups}))
    loaded = run([promrules, rules_file])
    assert loaded.returncode == 0, f"Prometheus refuses the rules:\n{loaded.stderr}"
    selected = {name for rule in json.loads(loaded.stdout) for name in rule["metrics"]}
    assert selected, "no metric selected: the loader's output is not what this test expects"
    defined = defined_metrics()
    unknown = selected - defined - FROM_PROMETHEUS - NOT_YET_DEFINED
    assert not unknown, f"the rules select metrics the code does not define: {sorted(unknown)}"
    assert not NOT_YET_DEFINED & defined, "defined now: take it out of NOT_YET_DEFINED"


def test_promrules_refuses_a_broken_expression(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up > > 1"}]}]}))
    result = run([tool("bin/promrules"), broken])
    assert result.returncode == 1 and "parse error" in result.stderr


def test_every_alert_waits_has_a_severity_and_says_what_happened(alerts: dict[str, dict[str, Any]]) -> None:
    assert REQUIRED_ALERTS <= set(alerts), sorted(REQUIRED_ALERTS - set(alerts))
    for name, rule in alerts.items():
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "")), f"{name}: no `for`"
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert "docs/operations.md" in rule["annotations"]["description"], name


def test_every_alert_has_its_section_in_the_operations_guide(alerts: dict[str, dict[str, Any]]) -> None:
    guide = (REPO / "docs" / "operations.md").read_text()
    headings = set(re.findall(r"^#### (Gov\w+)", guide, flags=re.MULTILINE))
    assert set(alerts) <= headings, sorted(set(alerts) - headings)


def test_the_pod_monitor_scrapes_every_api_and_worker_with_the_metrics_token(
    render: Callable[[str], Rendered],
) -> None:
    rendered = render("production")
    monitor = rendered.named("PodMonitor", "gov-platform")
    selector = monitor["spec"]["selector"]
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    assert endpoint["authorization"]["credentials"] == {"name": "metrics-token", "key": "token"}
    for deployment in rendered.of_kind("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in selector["matchLabels"].items()), deployment["metadata"]["name"]
        assert labels.get("app.kubernetes.io/component") in selector["matchExpressions"][0]["values"]
        assert monitor["metadata"]["namespace"] == deployment["metadata"]["namespace"]  # the token's Secret is there
