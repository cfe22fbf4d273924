"""deploy/k8s, checked without a cluster: every overlay renders with kustomize, validates
against the Kubernetes schemas (strict; an apiVersion the version no longer serves is an error)
and the Strimzi CRD schemas, and keeps the platform's rules: probes, limits and a non-root,
read-only security context on every container; an HPA and a PDB per Deployment; an API and a
worker per service, migrated first; a business system per department with its own database and
consumer group; complete settings; Kafka topics for every topic of the code; NetworkPolicies
that let the Ingress reach only the gateway and only the services reach PostgreSQL."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from gov_common.events import Topics
from tests.deploy.conftest import Rendered
from tests.deploy.platform_code import (
    ALL_INTERFACES,
    REPO,
    Service,
    addresses_in,
    client_id,
    consumer_stop_seconds,
    key_path_fields,
    load_settings,
    local_paths,
    outside_the_platform,
    problems_of_production_settings,
    required_variables,
    service_by_prefix,
    services,
    topics,
    unknown_variables,
    uvicorn_drain_seconds,
)

Resource = dict[str, Any]
# Secrets of the platform as a whole, which every service reads (the metrics bearer token).
PLATFORM_SECRETS = {"metrics-token"}
PLACEHOLDER_SECRET = {
    "url": "postgresql://placeholder:placeholder@postgresql:5432/placeholder",
    "token": "placeholder-metrics-token",
}


def test_manifests_validate_against_the_schemas(rendered: Rendered) -> None:
    assert not rendered.problems, "\n".join(rendered.problems)


# --- helpers ------------------------------------------------------------------------------


def deployments(rendered: Rendered) -> list[Resource]:
    return rendered.of_kind("Deployment")


def pod_spec(deployment: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def pod_labels(deployment: Resource) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"].get("labels", {})
    return labels


def service_of(deployment: Resource) -> Service:
    image = pod_spec(deployment)["containers"][0]["image"]
    name = image.rsplit("/", 1)[-1].split(":")[0].split("@")[0]
    return next(s for s in services() if s.folder == name)


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; an empty selector selects everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def container_env(rendered: Rendered, container: dict[str, Any]) -> dict[str, str]:
    """What the container's environment holds: ConfigMap data, literal values, and for a
    Secret a placeholder of the right shape (the Secrets are provisioned, not in the repo)."""
    env: dict[str, str] = {}
    configmaps = {c["metadata"]["name"]: c.get("data", {}) for c in rendered.of_kind("ConfigMap")}
    for source in container.get("envFrom") or []:
        name = source["configMapRef"]["name"]
        assert name in configmaps, f"{container['name']}: ConfigMap {name} is not rendered"
        env.update(configmaps[name])
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in item.get("valueFrom", {}):
            key = item["valueFrom"]["secretKeyRef"]["key"]
            env[item["name"]] = PLACEHOLDER_SECRET.get(key, "{}" if key.endswith(".json") else "placeholder")
    return env


def settings_of(rendered: Rendered, deployment: Resource, container: dict[str, Any]) -> tuple[Service, Any]:
    svc = service_of(deployment)
    return svc, load_settings(svc, container_env(rendered, container))


# --- every container, every Deployment ----------------------------------------------------


def test_every_container_has_probes_limits_and_a_non_root_read_only_security_context(rendered: Rendered) -> None:
    for deployment in deployments(rendered):
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        pod_security = spec.get("securityContext", {})
        containers = [("container", c) for c in spec["containers"]]
        containers += [("init container", c) for c in spec.get("initContainers", [])]
        for kind, container in containers:
            where = f"{name}: {kind} {container['name']}"
            if kind == "container":
                readiness = container.get("readinessProbe", {}).get("httpGet", {})
                liveness = container.get("livenessProbe", {}).get("httpGet", {})
                assert readiness.get("path") == "/readyz", f"{where} has no readiness probe on /readyz"
                assert liveness.get("path") == "/healthz", f"{where} has no liveness probe on /healthz"
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{where} has no cpu and memory {bound}"
            security = container.get("securityContext", {})
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, f"{where} may run as root"
            assert security.get("runAsUser", pod_security.get("runAsUser", 1)) != 0, f"{where} runs as uid 0"
            assert security.get("readOnlyRootFilesystem") is True, f"{where}: root file system is writable"
            assert security.get("allowPrivilegeEscalation") is False, f"{where} may escalate privileges"
            assert "ALL" in security.get("capabilities", {}).get("drop", []), f"{where} keeps Linux capabilities"
            assert not security.get("privileged"), f"{where} is privileged"


def test_every_deployment_has_an_hpa_and_a_pdb(rendered: Rendered) -> None:
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in rendered.of_kind("HorizontalPodAutoscaler")}
    pdbs = rendered.of_kind("PodDisruptionBudget")
    for deployment in deployments(rendered):
        name = deployment["metadata"]["name"]
        assert name in hpas and hpas[name]["spec"]["scaleTargetRef"]["kind"] == "Deployment", f"{name} has no HPA"
        covering = [p for p in pdbs if selects(p["spec"]["selector"], pod_labels(deployment))]
        assert len(covering) == 1, f"{name} is covered by {len(covering)} PodDisruptionBudgets, not one"
        others = [d for d in deployments(rendered) if d is not deployment]
        assert not any(selects(covering[0]["spec"]["selector"], pod_labels(d)) for d in others), (
            f"the PDB of {name} also counts another Deployment's pods"
        )
        assert "replicas" not in deployment["spec"], f"{name} sets replicas, which every apply resets under its HPA"


def test_each_service_has_an_api_and_a_worker_that_migrate_first(rendered: Rendered) -> None:
    roles: dict[str, set[str]] = {}
    for deployment in deployments(rendered):
        svc = service_of(deployment)
        spec = pod_spec(deployment)
        app = next(c for c in spec["containers"] if c["name"] == "app")
        args = app["args"]
        role = pod_labels(deployment)["app.kubernetes.io/component"]
        roles.setdefault(svc.folder, set()).add(role)
        assert args[0] == "serve" and ALL_INTERFACES in args, f"{deployment['metadata']['name']}: {args}"
        assert ("--no-worker" in args) == (role == "api"), f"{deployment['metadata']['name']}: {role} runs {args}"
        port = int(args[args.index("--port") + 1]) if "--port" in args else svc.default_port
        assert {p["name"]: p["containerPort"] for p in app["ports"]}.get("http") == port
        migrate = [c for c in spec.get("initContainers", []) if c.get("args") == ["migrate"]]
        assert migrate and migrate[0]["image"] == app["image"], (
            f"{deployment['metadata']['name']} does not migrate first"
        )
        assert container_env(rendered, migrate[0]).get(svc.env_name("database_url")) is not None
    assert roles == {s.folder: {"api", "worker"} for s in services()}


def test_grace_periods_cover_draining(rendered: Rendered) -> None:
    for deployment in deployments(rendered):
        spec = pod_spec(deployment)
        grace = spec.get("terminationGracePeriodSeconds", 30)
        app = next(c for c in spec["containers"] if c["name"] == "app")
        command = app.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pre_stop = int(command[1]) if command[:1] == ["sleep"] else 0
        role = pod_labels(deployment)["app.kubernetes.io/component"]
        needed = pre_stop + uvicorn_drain_seconds() + (consumer_stop_seconds() if role == "worker" else 0)
        assert grace > needed, f"{deployment['metadata']['name']}: {grace} s is not enough to drain ({needed} s)"


# --- settings -------------------------------------------------------------------------------


def test_settings_are_complete_and_fit_for_production(rendered: Rendered) -> None:
    service_hosts = {s["metadata"]["name"] for s in rendered.of_kind("Service")}
    service_hosts |= {f"{k['metadata']['name']}-kafka-bootstrap" for k in rendered.of_kind("Kafka")}  # Strimzi's
    for deployment in deployments(rendered):
        spec = pod_spec(deployment)
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{deployment['metadata']['name']}/{container['name']}"
            env = container_env(rendered, container)
            svc = service_of(deployment)
            assert not unknown_variables(svc, env), (
                f"{where}: variables that name no setting: {unknown_variables(svc, env)}"
            )
            missing = [v for v in required_variables(svc) if v not in env]
            assert not missing, f"{where}: required settings not set: {missing}"
            settings = load_settings(svc, env)
            values = settings.model_dump()
            expected = "development" if rendered.overlay == "dev" else "production"
            assert values["environment"] == expected, f"{where} runs as {values['environment']}"
            assert not problems_of_production_settings(svc, settings), (
                f"{where}: {problems_of_production_settings(svc, settings)}"
            )
            for name, value in values.items():
                if outside_the_platform(name):
                    continue
                for host, _ in addresses_in(value):
                    assert host in service_hosts, f"{where}: {svc.env_name(name)} names {host}, which is no Service"
            if container["name"] == "migrate":
                continue
            mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
            for name, path in local_paths(svc, settings).items():
                mount = next((m for p, m in mounts.items() if path == p or path.startswith(p.rstrip("/") + "/")), None)
                assert mount is not None, f"{where}: {svc.env_name(name)}={path} is on the read-only root file system"
                volume = volumes[mount["name"]]
                if name in key_path_fields(svc):
                    assert "secret" in volume, f"{where}: {svc.env_name(name)} is not read from a Secret"
                else:
                    assert not mount.get("readOnly") and "secret" not in volume, f"{where}: {path} is not writable"


def test_urls_between_services_reach_the_right_pods(rendered: Rendered) -> None:
    by_service = {s["metadata"]["name"]: s for s in rendered.of_kind("Service")}
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        svc, settings = settings_of(rendered, deployment, app)
        for name, value in settings.model_dump().items():
            if not name.endswith(("_url", "_urls")) or name == "database_url" or "public" in name:
                continue
            for host, port in addresses_in(value):
                service = by_service[host]
                assert port in [p["port"] for p in service["spec"]["ports"]], f"{svc.env_name(name)}: no port {port}"
                targets = [
                    d
                    for d in deployments(rendered)
                    if selects({"matchLabels": service["spec"]["selector"]}, pod_labels(d))
                ]
                assert targets and all(pod_labels(d)["app.kubernetes.io/component"] == "api" for d in targets), (
                    f"{svc.env_name(name)}: Service {host} does not route to an API"
                )
                if name in ("jwks_url", "token_url"):
                    assert {service_of(d).folder for d in targets} == {"portal-gateway"}


def departments(rendered: Rendered) -> dict[str, dict[str, Any]]:
    found = {}
    for deployment in deployments(rendered):
        if service_of(deployment).folder != "business-systems":
            continue
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        _, settings = settings_of(rendered, deployment, app)
        values = settings.model_dump()
        assert pod_labels(deployment).get("gov.platform/department") == values["department_code"]
        secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in app["env"] if "valueFrom" in e}
        secrets -= PLATFORM_SECRETS
        assert all(values["department_code"] in s for s in secrets), f"a department reads another's Secret: {secrets}"
        if pod_labels(deployment)["app.kubernetes.io/component"] == "api":
            found[values["department_code"]] = values | {"secrets": secrets, "labels": pod_labels(deployment)}
    return found


def test_a_business_system_per_department_with_its_own_database_and_group(rendered: Rendered) -> None:
    found = departments(rendered)
    assert len(found) >= 2, f"expected at least two departments, found {sorted(found)}"
    for key in ("consumer_group", "service_client_id", "file_store_url"):
        values = [d[key] for d in found.values()]
        if key != "file_store_url":
            assert len(set(values)) == len(values), f"departments share a {key}: {values}"
    secret_sets = [frozenset(d["secrets"]) for d in found.values()]
    assert len(set(secret_sets)) == len(secret_sets), "departments share their database Secret"
    claims: dict[str, set[str]] = {}
    for deployment in deployments(rendered):
        for volume in pod_spec(deployment).get("volumes", []):
            if "persistentVolumeClaim" in volume:
                code = pod_labels(deployment).get("gov.platform/department", "")
                claims.setdefault(volume["persistentVolumeClaim"]["claimName"], set()).add(code)
    assert all(len(codes) == 1 for codes in claims.values()), f"a file volume is shared by departments: {claims}"


def test_the_gateway_routes_to_every_department(rendered: Rendered) -> None:
    found = departments(rendered)
    by_service = {s["metadata"]["name"]: s for s in rendered.of_kind("Service")}
    gateway = next(d for d in deployments(rendered) if service_of(d).folder == "portal-gateway")
    _, settings = settings_of(rendered, gateway, pod_spec(gateway)["containers"][0])
    urls = settings.model_dump()["business_systems_urls"]
    assert set(urls) == set(found), f"the gateway routes to {sorted(urls)}; the departments are {sorted(found)}"
    for code, url in urls.items():
        selector = by_service[addresses_in(url)[0][0]]["spec"]["selector"]
        assert selects({"matchLabels": selector}, found[code]["labels"]), f"{url} does not reach department {code}"


def test_service_clients_are_provided_to_the_gateway(rendered: Rendered) -> None:
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        svc, settings = settings_of(rendered, deployment, app)
        secret_env = {e["name"] for e in app.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
        if client_id(svc, settings) is not None:
            assert client_id(svc, settings), f"{deployment['metadata']['name']} has no service client id"
            assert svc.env_name("service_client_secret") in secret_env
        elif "service_clients" in settings.model_dump():
            assert svc.env_name("service_clients") in secret_env, "the gateway gets no service clients"


def test_public_base_url_is_the_ingress_host(rendered: Rendered) -> None:
    hosts = {rule["host"] for ingress in rendered.of_kind("Ingress") for rule in ingress["spec"]["rules"]}
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        _, settings = settings_of(rendered, deployment, app)
        for name, value in settings.model_dump().items():
            if "public" in name and isinstance(value, str) and value:
                assert addresses_in(value)[0][0] in hosts, f"{name}={value} is not the Ingress host {hosts}"


# --- Kafka ----------------------------------------------------------------------------------


def test_every_topic_of_the_code_is_a_kafka_topic_sized_like_the_settings(rendered: Rendered) -> None:
    kafka = rendered.of_kind("Kafka")
    assert len(kafka) == 1
    declared = {t["spec"].get("topicName", t["metadata"]["name"]): t for t in rendered.of_kind("KafkaTopic")}
    assert set(topics()) <= set(declared), f"topics without a KafkaTopic: {sorted(set(topics()) - set(declared))}"
    for topic in declared.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka[0]["metadata"]["name"]
    brokers = sum(p["spec"]["replicas"] for p in rendered.of_kind("KafkaNodePool") if "broker" in p["spec"]["roles"])
    bootstrap = f"{kafka[0]['metadata']['name']}-kafka-bootstrap"
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        svc, settings = settings_of(rendered, deployment, app)
        values = settings.model_dump()
        # The listener must speak what the service is configured for: TLS or not, SASL or not.
        tls = values["kafka_security_protocol"] in ("SSL", "SASL_SSL")
        sasl = values["kafka_security_protocol"].startswith("SASL_")
        listeners = {
            p["port"]
            for p in kafka[0]["spec"]["kafka"]["listeners"]
            if bool(p.get("tls")) == tls and (p.get("authentication", {}).get("type") == "scram-sha-512") == sasl
        }
        assert addresses_in(values["kafka_bootstrap"]) and all(
            h == bootstrap and p in listeners for h, p in addresses_in(values["kafka_bootstrap"])
        ), f"{svc.env_name('kafka_bootstrap')}={values['kafka_bootstrap']}"
        for name in topics():
            assert declared[name]["spec"]["partitions"] == values["kafka_partitions"]
            assert declared[name]["spec"]["replicas"] == values["kafka_replication_factor"] <= brokers
        # A department's business system reads its own case topic (gov.case.dept.<code>.v1): declared with
        # its dead letters, like the others.
        if svc.folder == "business-systems":
            assert values["case_topics"], "a department's system reads its case topic"
        for name in values.get("case_topics") or []:
            for topic in (name, Topics.dead_letter(name)):
                assert topic in declared, f"{svc.env_name('case_topics')}: {topic} has no KafkaTopic"
                assert declared[topic]["spec"]["partitions"] == values["kafka_partitions"]
                assert declared[topic]["spec"]["replicas"] == values["kafka_replication_factor"]
                if rendered.overlay == "production":
                    assert int(declared[topic]["spec"]["config"]["min.insync.replicas"]) == 2
    if rendered.overlay == "production":
        assert brokers >= 3
        for name in topics():
            assert declared[name]["spec"]["replicas"] == 3, f"{name}: replication factor 3 in production"
            assert int(declared[name]["spec"]["config"]["min.insync.replicas"]) == 2


def test_workers_scale_no_further_than_the_partitions(rendered: Rendered) -> None:
    partitions = min(t["spec"]["partitions"] for t in rendered.of_kind("KafkaTopic"))
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in rendered.of_kind("HorizontalPodAutoscaler")}
    for deployment in deployments(rendered):
        if pod_labels(deployment)["app.kubernetes.io/component"] == "worker":
            assert hpas[deployment["metadata"]["name"]]["spec"]["maxReplicas"] <= partitions


# --- NetworkPolicies --------------------------------------------------------------------------


@dataclass
class Pod:
    name: str
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)
    needs_database: bool = False
    namespace_labels: dict[str, str] = field(default_factory=dict)


def platform_pods(rendered: Rendered) -> list[Pod]:
    namespace = rendered.of_kind("Namespace")[0]["metadata"]
    ns_labels = {"kubernetes.io/metadata.name": namespace["name"], **namespace.get("labels", {})}
    pods = []
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        svc = service_of(deployment)
        env = container_env(rendered, app)
        pods.append(
            Pod(
                deployment["metadata"]["name"],
                pod_labels(deployment),
                {p["name"]: p["containerPort"] for p in app["ports"]},
                needs_database=svc.env_name("database_url") in env,
                namespace_labels=ns_labels,
            )
        )
    for kafka in rendered.of_kind("Kafka"):
        # Strimzi's broker pods carry the cluster's labels and its own.
        labels = {
            **kafka["metadata"].get("labels", {}),
            "strimzi.io/cluster": kafka["metadata"]["name"],
            "strimzi.io/kind": "Kafka",
            "strimzi.io/name": f"{kafka['metadata']['name']}-kafka",
        }
        ports = {listener["name"]: listener["port"] for listener in kafka["spec"]["kafka"]["listeners"]}
        pods.append(Pod(f"{kafka['metadata']['name']}-broker", labels, ports, namespace_labels=ns_labels))
        operator = {
            **kafka["metadata"].get("labels", {}),
            "strimzi.io/cluster": kafka["metadata"]["name"],
            "strimzi.io/kind": "Kafka",
            "strimzi.io/name": f"{kafka['metadata']['name']}-entity-operator",
        }
        pods.append(Pod(f"{kafka['metadata']['name']}-entity-operator", operator, namespace_labels=ns_labels))
    return pods


def _port_matches(rule_ports: list[dict[str, Any]] | None, port: int, destination: Pod | None) -> bool:
    if not rule_ports:
        return True
    for rule in rule_ports:
        wanted = rule.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            if destination is not None and destination.ports.get(wanted) == port:
                return True
        elif wanted <= port <= rule.get("endPort", wanted):
            return True
    return False


def _peer_matches(peer: dict[str, Any], source: Pod | None, ip: str | None, own_namespace: dict[str, str]) -> bool:
    if "ipBlock" in peer:
        if ip is None:
            return False
        address = ipaddress.ip_address(ip)
        block = peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", [])
        )
    if source is None:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], source.namespace_labels):
            return False
    elif source.namespace_labels != own_namespace:
        return False
    return selects(peer.get("podSelector"), source.labels)


def network_policies(rendered: Rendered) -> list[Resource]:
    """The rendered NetworkPolicies, plus the one Strimzi generates per listener (from its
    networkPolicyPeers, or from anywhere when there are none)."""
    found = list(rendered.of_kind("NetworkPolicy"))
    for kafka in rendered.of_kind("Kafka"):
        name = kafka["metadata"]["name"]
        for listener in kafka["spec"]["kafka"]["listeners"]:
            peers = listener.get("networkPolicyPeers")
            found.append(
                {
                    "kind": "NetworkPolicy",
                    "metadata": {"name": f"{name}-network-policy-kafka (Strimzi, listener {listener['name']})"},
                    "spec": {
                        "podSelector": {
                            "matchLabels": {"strimzi.io/cluster": name, "strimzi.io/name": f"{name}-kafka"}
                        },
                        "policyTypes": ["Ingress"],
                        "ingress": [{**({"from": peers} if peers else {}), "ports": [{"port": listener["port"]}]}],
                    },
                }
            )
    return found


def ingress_allowed(rendered: Rendered, destination: Pod, source: Pod, port: int) -> bool:
    policies = [
        p
        for p in network_policies(rendered)
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], destination.labels)
    ]
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            if (not peers or any(_peer_matches(p, source, None, destination.namespace_labels) for p in peers)) and (
                _port_matches(rule.get("ports"), port, destination)
            ):
                return True
    return False


def egress_allowed(
    rendered: Rendered, source: Pod, port: int, destination: Pod | None = None, ip: str | None = None
) -> bool:
    policies = [
        p
        for p in network_policies(rendered)
        if "Egress" in p["spec"].get("policyTypes", []) and selects(p["spec"]["podSelector"], source.labels)
    ]
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get("egress", []):
            peers = rule.get("to")
            if (not peers or any(_peer_matches(p, destination, ip, source.namespace_labels) for p in peers)) and (
                _port_matches(rule.get("ports"), port, destination)
            ):
                return True
    return False


def reaches(rendered: Rendered, source: Pod, destination: Pod, port: int) -> bool:
    return egress_allowed(rendered, source, port, destination) and ingress_allowed(rendered, destination, source, port)


def is_gateway_api(pod: Pod) -> bool:
    return (
        pod.labels.get("app.kubernetes.io/name") == "portal-gateway"
        and pod.labels.get("app.kubernetes.io/component") == "api"
    )


INGRESS_CONTROLLER = Pod(
    "ingress-nginx-controller",
    {"app.kubernetes.io/name": "ingress-nginx"},
    namespace_labels={"kubernetes.io/metadata.name": "ingress-nginx"},
)
STRANGER = Pod("some-other-tenant", {"app": "whatever"}, namespace_labels={"kubernetes.io/metadata.name": "tenant-x"})


def test_every_pod_is_under_a_default_deny(rendered: Rendered) -> None:
    for pod in platform_pods(rendered):
        for direction in ("Ingress", "Egress"):
            assert any(
                direction in p["spec"].get("policyTypes", []) and selects(p["spec"]["podSelector"], pod.labels)
                for p in rendered.of_kind("NetworkPolicy")
            ), f"{pod.name}: no NetworkPolicy restricts its {direction.lower()}"


def test_only_the_gateway_is_reachable_from_the_ingress(rendered: Rendered) -> None:
    backends = {
        path["backend"]["service"]["name"]
        for ingress in rendered.of_kind("Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"portal-gateway"}, f"the Ingress routes to {backends}"
    for pod in platform_pods(rendered):
        for port in set(pod.ports.values()) or {80}:
            from_ingress = ingress_allowed(rendered, pod, INGRESS_CONTROLLER, port)
            assert from_ingress == (is_gateway_api(pod) and port == pod.ports.get("http")), (
                f"{pod.name}:{port} reachable from the ingress controller: {from_ingress}"
            )
            assert not ingress_allowed(rendered, pod, STRANGER, port), f"{pod.name}:{port} is open to other namespaces"


def test_only_the_services_that_need_a_database_reach_it(rendered: Rendered) -> None:
    slices = [
        s
        for s in rendered.of_kind("EndpointSlice")
        if s["metadata"]["labels"].get("kubernetes.io/service-name") == "postgresql"
    ]
    addresses = [a for s in slices for e in s["endpoints"] for a in e["addresses"]]
    assert addresses, "the external PostgreSQL has no address"
    for pod in platform_pods(rendered):
        for address in addresses:
            allowed = egress_allowed(rendered, pod, 5432, ip=address)
            assert allowed == pod.needs_database, f"{pod.name} -> PostgreSQL {address}:5432 allowed={allowed}"


def test_the_platform_can_still_talk_to_itself(rendered: Rendered) -> None:
    pods = platform_pods(rendered)
    gateway = [p for p in pods if is_gateway_api(p)]
    brokers = [p for p in pods if p.name.endswith("-broker")]
    apis = [p for p in pods if p.labels.get("app.kubernetes.io/component") == "api" and not is_gateway_api(p)]
    for pod in pods:
        if "app.kubernetes.io/component" not in pod.labels:
            continue
        for broker in brokers:
            port = next(iter(broker.ports.values()))
            assert reaches(rendered, pod, broker, port), f"{pod.name} cannot reach Kafka"
        for target in gateway:
            assert reaches(rendered, pod, target, target.ports["http"]), f"{pod.name} cannot reach the gateway (JWKS)"
    for source in gateway:
        for target in apis:
            assert reaches(rendered, source, target, target.ports["http"]), f"the gateway cannot reach {target.name}"
    for worker in [p for p in pods if p.labels.get("app.kubernetes.io/component") == "worker"]:
        for source in pods:
            if source is not worker:
                assert not reaches(rendered, source, worker, worker.ports["http"]), (
                    f"{source.name} reaches {worker.name}"
                )


# --- images and documentation -----------------------------------------------------------------


def test_images_are_pinned(rendered: Rendered) -> None:
    for deployment in deployments(rendered):
        for container in pod_spec(deployment)["containers"] + pod_spec(deployment).get("initContainers", []):
            image = container["image"]
            assert re.search(r":[\w.-]+$|@sha256:[0-9a-f]{64}$", image) and not image.endswith(":latest"), (
                f"{deployment['metadata']['name']}: image {image} is not pinned"
            )


def test_every_referenced_secret_is_documented(rendered: Rendered) -> None:
    readme = (REPO / "deploy/README.md").read_text()
    names = set()
    for deployment in deployments(rendered):
        spec = pod_spec(deployment)
        for container in spec["containers"] + spec.get("initContainers", []):
            for item in container.get("env", []):
                if "secretKeyRef" in item.get("valueFrom", {}):
                    names.add(item["valueFrom"]["secretKeyRef"]["name"])
        names |= {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
    names |= {tls["secretName"] for i in rendered.of_kind("Ingress") for tls in i["spec"].get("tls", [])}
    generic = {
        re.sub(
            r"business-systems-kafka-[a-z0-9]+$",
            "business-systems-kafka-<code>",
            re.sub(r"business-systems-[a-z0-9-]+?-(database|client)$", r"business-systems-<code>-\1", n),
        )
        for n in names
    }
    undocumented = sorted(n for n in generic if n not in readme)
    assert not undocumented, f"Secrets the manifests need but deploy/README.md does not list: {undocumented}"


def test_in_production_each_service_is_a_kafka_user_limited_to_its_group(render: Callable[[str], Rendered]) -> None:
    """Production: TLS + SCRAM-SHA-512 for every service, as a KafkaUser of its own whose password
    Secret it reads and whose ACLs cover the platform's topics and its own consumer groups only.
    (The dev overlay keeps the plain listener.)"""
    rendered = render("production")
    users = {u["metadata"]["name"]: u for u in rendered.of_kind("KafkaUser")}
    kafka = rendered.of_kind("Kafka")[0]["spec"]
    assert kafka["kafka"]["authorization"]["type"] == "simple" and "userOperator" in kafka["entityOperator"]
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        svc, settings = settings_of(rendered, deployment, app)
        where = deployment["metadata"]["name"]
        assert settings.kafka_security_protocol == "SASL_SSL", where
        assert settings.kafka_sasl_mechanism == "SCRAM-SHA-512", where
        user = users.get(settings.kafka_sasl_username)
        assert user is not None, f"{where}: no KafkaUser {settings.kafka_sasl_username}"
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        password = next(e for e in app["env"] if e["name"] == svc.env_name("kafka_sasl_password"))
        assert password["valueFrom"]["secretKeyRef"]["name"] == user["metadata"]["name"], where
        groups = [a["resource"] for a in user["spec"]["authorization"]["acls"] if a["resource"]["type"] == "group"]
        # Every consumer group the service runs (data-sharing's warehouse has its own: warehouse_consumer_group).
        own = [v for k, v in settings.model_dump().items() if k.endswith("consumer_group") and v]
        assert sorted((g["name"], g["patternType"]) for g in groups) == sorted((g, "literal") for g in own), where
        topics_acl = [a["resource"] for a in user["spec"]["authorization"]["acls"] if a["resource"]["type"] == "topic"]
        assert all(t.startswith("gov.") for t in topics()), "the topic ACL (prefix gov.) must cover every topic"
        assert topics_acl == [{"type": "topic", "name": "gov.", "patternType": "prefix"}], where
        mounts = {m["mountPath"]: m for m in app.get("volumeMounts", [])}
        assert settings.kafka_ssl_cafile and settings.kafka_ssl_cafile.startswith(tuple(mounts)), where


@pytest.mark.parametrize("prefix", ["GW_", "SM_", "DS_", "BS_"])
def test_the_prefixes_of_platform_config_are_the_services(prefix: str) -> None:
    assert service_by_prefix(prefix).prefix == prefix


def test_every_url_a_service_calls_is_open_in_the_network_policies(rendered: Rendered) -> None:
    """A service configured to call another (e.g. SM_DATA_SHARING_URL, BS_DATA_SHARING_URL) must be
    let through by the NetworkPolicies, from both its API and its worker pods."""
    pods = {p.name: p for p in platform_pods(rendered)}
    by_service = {s["metadata"]["name"]: s for s in rendered.of_kind("Service")}
    checked = 0
    for deployment in deployments(rendered):
        app = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "app")
        svc, settings = settings_of(rendered, deployment, app)
        source = pods[deployment["metadata"]["name"]]
        if svc.folder == "portal-gateway" and source.labels["app.kubernetes.io/component"] == "worker":
            continue  # the gateway routes HTTP calls in its API pods only; its worker consumes events
        for name, value in settings.model_dump().items():
            if not name.endswith(("_url", "_urls")) or name == "database_url" or "public" in name:
                continue
            for host, _port in addresses_in(value):
                service = by_service[host]
                for target in deployments(rendered):
                    if not selects({"matchLabels": service["spec"]["selector"]}, pod_labels(target)):
                        continue
                    destination = pods[target["metadata"]["name"]]
                    port = destination.ports["http"]
                    assert reaches(rendered, source, destination, port), (
                        f"{source.name} calls {destination.name} ({svc.env_name(name)}): NetworkPolicies block it"
                    )
                    checked += 1
    assert checked, "no service-to-service URL was checked"
