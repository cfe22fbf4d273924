"""The proxies whose forwarded headers the gateway believes are named in every deployment (the
code believes nobody's by default: gov_common.cli.forwarded_options), as addresses or networks,
never "*", and only the public gateway has any."""

from __future__ import annotations

import ipaddress
from typing import Any

from tests.deploy.conftest import Rendered
from tests.deploy.test_k8s import container_env, deployments, pod_spec, service_of


def _networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    assert parts and "*" not in parts, f"FORWARDED_ALLOW_IPS={value!r} names no proxy, or every address"
    return [ipaddress.ip_network(p) for p in parts]


def test_the_compose_gateway_trusts_the_named_proxy_only(compose_project: dict[str, Any]) -> None:
    for name, spec in compose_project["services"].items():
        env = spec.get("environment") or {}
        if name == "portal-gateway":
            assert all(n.is_private for n in _networks(str(env.get("FORWARDED_ALLOW_IPS", ""))))
        elif spec.get("command") and spec["command"][0] == "serve":
            assert not env.get("FORWARDED_ALLOW_IPS"), f"{name} believes forwarded headers but is not public"


def test_the_k8s_gateway_trusts_the_pod_network_only(rendered: Rendered) -> None:
    for deployment in deployments(rendered):
        app = pod_spec(deployment)["containers"][0]
        value = container_env(rendered, app).get("FORWARDED_ALLOW_IPS", "")
        if deployment["metadata"]["name"] == "portal-gateway-api":
            assert all(n.is_private for n in _networks(value))
        elif service_of(deployment).folder != "portal-gateway":
            assert not value, f"{deployment['metadata']['name']} believes forwarded headers but is not public"
