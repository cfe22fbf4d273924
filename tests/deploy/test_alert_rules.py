"""The alert rules shipped for the Prometheus Operator (deploy/k8s/components/monitoring), checked
without a cluster: the production overlay renders them (their schema: test_k8s.py); every expression
parses as PromQL (promql-parser, the Rust parser of GreptimeDB) and every annotation template names only
`$labels.<name>` and `$value`; every metric an expression selects is one the code defines; each alert
waits (`for`), has a severity, a summary and a description, and has its section in docs/operations.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import promql_parser
import pytest
from prometheus_client import REGISTRY

# The modules that define metrics, imported for their definitions.
import gov_common.backlog
import gov_common.dead_letters
import gov_common.messaging
import gov_common.revocation  # noqa: F401
from tests.deploy.conftest import Rendered
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


def selected_metrics(expr: str) -> set[str]:
    """The metric names the PromQL expression selects by name; ValueError when it does not parse."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            return
        if isinstance(node, promql_parser.MatrixSelector):
            walk(node.vector_selector)
        elif isinstance(node, promql_parser.BinaryExpr):
            walk(node.lhs)
            walk(node.rhs)
        elif isinstance(node, promql_parser.Call):
            for arg in node.args:
                walk(arg)
        elif isinstance(node, (promql_parser.AggregateExpr, promql_parser.ParenExpr, promql_parser.UnaryExpr)):
            walk(node.expr)
            if getattr(node, "param", None) is not None:
                walk(node.param)
        elif isinstance(node, promql_parser.SubqueryExpr):
            walk(node.expr)

    walk(promql_parser.parse(expr))
    return names


# What an annotation may interpolate: a label of the alert's series or its value, optionally piped
# through one of Prometheus' humanize functions.
TEMPLATE = re.compile(r"\{\{\s*(\$labels\.[a-z_][a-z0-9_]*|\$value)(\s*\|\s*humanize\w*)?\s*\}\}")


def test_every_expression_parses_and_selects_only_metrics_the_code_defines(
    rule_groups: list[dict[str, Any]],
) -> None:
    rules = [rule for group in rule_groups for rule in group["rules"]]
    selected = {name for rule in rules for name in selected_metrics(rule["expr"])}
    assert "gov_outbox_backlog" in selected, "no metric selected: the walk does not read the parser's tree"
    defined = defined_metrics()
    unknown = selected - defined - FROM_PROMETHEUS - NOT_YET_DEFINED
    assert not unknown, f"the rules select metrics the code does not define: {sorted(unknown)}"
    assert not NOT_YET_DEFINED & defined, "defined now: take it out of NOT_YET_DEFINED"
    for rule in rules:
        for key, text in rule.get("annotations", {}).items():
            leftover = TEMPLATE.sub("", text)
            assert "{{" not in leftover and "}}" not in leftover, f"{rule.get('alert')}.{key}: {text}"


def test_a_broken_expression_or_template_is_refused() -> None:
    with pytest.raises(ValueError):
        selected_metrics("up > > 1")
    assert selected_metrics('sum(rate(gov_x_total{a="b"}[5m])) / ignoring(a) (gov_y offset 5m)') == {
        "gov_x_total",
        "gov_y",
    }
    assert "{{" in TEMPLATE.sub("", "{{ $labels.service }} is {{ .Foo }}")


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
