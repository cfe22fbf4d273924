"""What the deployment checks read from the code, so they stay true as the code changes: the
services (their packages, console scripts, default ports, settings classes and env prefixes),
the topics, the shutdown timings, and what a set of environment variables makes of a service's
settings."""

from __future__ import annotations

import ast
import importlib
import ipaddress
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[2]
SERVICES_DIR = REPO / "services"
# What a containerised service must listen on to be reachable from outside its container.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


@dataclass(frozen=True)
class Service:
    folder: str  # portal-gateway
    module: str  # portal_gateway
    script: str  # the console script, portal-gateway
    default_port: int
    settings_class: type[BaseModel]

    @property
    def prefix(self) -> str:
        return str(self.settings_class.model_config.get("env_prefix", ""))

    @property
    def dockerfile(self) -> Path:
        return SERVICES_DIR / self.folder / "Dockerfile"

    def env_name(self, field: str) -> str:
        return f"{self.prefix}{field}".upper()

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.settings_class.model_fields)


def _default_port(main_py: Path) -> int:
    for node in ast.walk(ast.parse(main_py.read_text())):
        if isinstance(node, ast.keyword) and node.arg == "default_port" and isinstance(node.value, ast.Constant):
            return int(node.value.value)
    raise AssertionError(f"{main_py} passes no default_port to the shared CLI")


@cache
def services() -> tuple[Service, ...]:
    found = []
    for pyproject in sorted(SERVICES_DIR.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        scripts = project.get("scripts", {})
        assert len(scripts) == 1, f"{pyproject}: expected one console script, found {scripts}"
        script, target = next(iter(scripts.items()))
        module = target.split(":")[0].split(".")[0]
        settings = importlib.import_module(f"{module}.settings").Settings
        main_py = pyproject.parent / "src" / module / "__main__.py"
        found.append(Service(pyproject.parent.name, module, script, _default_port(main_py), settings))
    assert found, "no services found under services/"
    return tuple(found)


def service(folder: str) -> Service:
    return next(s for s in services() if s.folder == folder)


def service_by_prefix(prefix: str) -> Service:
    return next(s for s in services() if s.prefix == prefix)


def topics() -> list[str]:
    """Every topic of gov_common.events.Topics and the dead-letter topic of each one consumer groups
    read (gov.token.v1 is read whole by every process, outside any group: it has none)."""
    from gov_common.events import Topics

    names = [v for k, v in vars(Topics).items() if k.isupper() and isinstance(v, str)]
    return sorted(names + [Topics.dead_letter(t) for t in names if t != Topics.TOKEN])


def uvicorn_drain_seconds() -> int:
    """timeout_graceful_shutdown of the shared CLI: how long `serve` drains requests on SIGTERM."""
    source = (REPO / "libs/common/src/gov_common/cli.py").read_text()
    match = re.search(r"timeout_graceful_shutdown\s*=\s*(\d+)", source)
    assert match, "gov_common/cli.py no longer sets timeout_graceful_shutdown"
    return int(match.group(1))


def consumer_stop_seconds() -> int:
    """How long EventConsumer.stop waits for the event in hand (its thread join)."""
    source = (REPO / "libs/common/src/gov_common/messaging.py").read_text()
    body = source[source.index("class EventConsumer") :]
    body = body[body.index("def stop") :]
    match = re.search(r"join\(timeout=(\d+)\)", body)
    assert match, "EventConsumer.stop no longer joins with a timeout"
    return int(match.group(1))


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if re.match(r"^[A-Z]{2}_", n)]:
            del os.environ[name]
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def load_settings(svc: Service, env: Mapping[str, str]) -> BaseModel:
    """The service's settings as its process would build them from `env` (and nothing else)."""
    with _environment(env):
        return svc.settings_class()


def unknown_variables(svc: Service, env: Mapping[str, str]) -> list[str]:
    """Variables with the service's prefix that name no setting: typos, silently ignored."""
    known = {svc.env_name(name) for name in svc.fields}
    return sorted(name for name in env if name.startswith(svc.prefix) and name not in known)


def required_variables(svc: Service) -> list[str]:
    return sorted(svc.env_name(name) for name, field in svc.fields.items() if field.is_required())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def addresses_in(value: Any) -> list[tuple[str, int | None]]:
    """(host, port) of every URL or host:port list found in a setting's value."""
    if isinstance(value, dict):
        return [a for v in value.values() for a in addresses_in(v)]
    if isinstance(value, list):
        return [a for v in value for a in addresses_in(v)]
    if not isinstance(value, str):
        return []
    if re.match(r"^[a-z][a-z0-9+.-]*://", value):
        parts = urlsplit(value)
        if not parts.hostname:
            return []
        port = parts.port
        if port is None and parts.scheme in ("http", "https"):
            port = 80 if parts.scheme == "http" else 443
        return [(parts.hostname, port)]
    if re.match(r"^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$", value):
        return [(h, int(p)) for h, p in (item.rsplit(":", 1) for item in value.split(","))]
    return []


# Settings that name a party outside the platform (the public address, the SMS provider, the
# national identity service, the provincial OpenID provider): not addresses inside the cluster.
EXTERNAL_ADDRESS_SETTINGS = ("sms_endpoint", "identity_service_url", "oidc_issuer", "oidc_redirect_uri")


def outside_the_platform(field: str) -> bool:
    return "public" in field or field in EXTERNAL_ADDRESS_SETTINGS


def problems_of_production_settings(svc: Service, settings: BaseModel) -> list[str]:
    """What makes settings unfit for a containerised, distributed deployment, judged from the
    settings themselves: the code's own validators ran already (production refuses SQLite and
    demo seeding); here, the bus must be Kafka and no address may be this container's loopback
    (the defaults are made for `make run` on one machine)."""
    problems = []
    values = settings.model_dump()
    if values.get("bus") != "kafka":
        problems.append(f"{svc.env_name('bus')} is {values.get('bus')!r}: separate processes need kafka")
    if str(values.get("database_url", "")).startswith("sqlite"):
        problems.append(f"{svc.env_name('database_url')} is SQLite")
    for name, value in values.items():
        for host, _port in addresses_in(value):
            if is_loopback(host):
                problems.append(f"{svc.env_name(name)} points at the container itself: {value!r}")
    for name, path in local_paths(svc, settings).items():
        if not path.startswith("/"):
            problems.append(f"{svc.env_name(name)}={path!r} is relative (the development var/ folder)")
    # A service that calls others with no user behind the call needs its own client credentials
    # at the gateway; the gateway, which issues them, has `service_clients` instead.
    if "service_client_secret" in values and "service_clients" not in values and not values["service_client_secret"]:
        problems.append(f"{svc.env_name('service_client_secret')} is not set")
    return problems


def local_paths(svc: Service, settings: BaseModel) -> dict[str, str]:
    """Settings that name a local file or folder the service reads or writes (key files, file
    stores, SQLite, the local bus), each as a path; S3 and other remote stores are not local."""
    values = settings.model_dump()
    found = {}
    for name, value in values.items():
        if not isinstance(value, str) or name == "database_url" or "://" in value.replace("file://", ""):
            continue
        if name == "local_bus_path" and values.get("bus") != "local":
            continue
        if name.endswith(("_path", "_dir", "_store_url")) or value.startswith(("/", "var/", "file://")):
            if value:
                found[name] = value.removeprefix("file://")
    return found


def client_id(svc: Service, settings: BaseModel) -> str | None:
    """The id under which the service authenticates at the gateway (None for the gateway)."""
    values = settings.model_dump()
    if "service_clients" in values or "service_client_secret" not in values:
        return None
    return str(values.get("service_client_id") or "")


def key_path_fields(svc: Service) -> list[str]:
    """Settings naming a key or certificate file that production provisions from a Secret
    (e.g. token_signing_key_path, kafka_ssl_cafile): read, never written."""
    return [name for name in svc.fields if name.endswith(("_key_path", "_cafile", "_certfile", "_keyfile"))]
