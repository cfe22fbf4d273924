"""docker-compose.yml, checked offline: it loads as Docker Compose loads it (compose-go, with
.env.example as the .env), every service has a health check, migrations precede their service,
and every service's settings — the settings classes of the code, fed the environment compose
gives the container — are complete and fit for production."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from typing import Any

import psycopg
import pytest

from tests.deploy.platform_code import (
    ALL_INTERFACES,
    REPO,
    Service,
    addresses_in,
    client_id,
    key_path_fields,
    load_settings,
    local_paths,
    outside_the_platform,
    problems_of_production_settings,
    required_variables,
    services,
    unknown_variables,
)

Project = dict[str, Any]


def service_of(spec: dict[str, Any]) -> Service | None:
    """The platform service a compose service runs, from the Dockerfile its image is built from."""
    dockerfile = (spec.get("build") or {}).get("dockerfile", "")
    match = re.fullmatch(r"(?:\./)?services/([^/]+)/Dockerfile", dockerfile)
    if not match:
        return None
    return next(s for s in services() if s.folder == match.group(1))


def is_migration(spec: dict[str, Any]) -> bool:
    return spec.get("command") == ["migrate"]


def app_services(project: Project) -> dict[str, tuple[Service, dict[str, Any]]]:
    """Compose services that run the HTTP API or the worker of a platform service."""
    found = {}
    for name, spec in project["services"].items():
        svc = service_of(spec)
        if svc is not None and not is_migration(spec):
            found[name] = (svc, spec)
    return found


def port_of(spec: dict[str, Any], svc: Service) -> int:
    command = spec.get("command") or []
    if "--port" in command:
        return int(command[command.index("--port") + 1])
    return svc.default_port


def test_every_platform_service_is_deployed(compose_project: Project) -> None:
    deployed = {svc.folder for svc, _ in app_services(compose_project).values()}
    assert deployed == {s.folder for s in services()}


def test_every_service_has_a_health_check(compose_project: Project) -> None:
    one_shot = {
        dep
        for spec in compose_project["services"].values()
        for dep, cond in (spec.get("depends_on") or {}).items()
        if cond.get("condition") == "service_completed_successfully"
    }
    for name, spec in compose_project["services"].items():
        if name in one_shot:
            assert spec.get("restart", "no") == "no", f"{name} is a one-shot step and must not restart"
            continue
        check = spec.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"


def test_health_checks_probe_the_port_the_service_serves_on(compose_project: Project) -> None:
    for name, (svc, spec) in app_services(compose_project).items():
        command = spec["command"]
        assert command[0] == "serve" and ALL_INTERFACES in command, (
            f"{name}: {command} does not serve on all interfaces"
        )
        # The image's health check probes GOV_HEALTHCHECK_PORT, which each Dockerfile sets to the default port.
        expected = spec.get("environment", {}).get("GOV_HEALTHCHECK_PORT", str(svc.default_port))
        assert str(port_of(spec, svc)) == expected, f"{name} serves on another port than its health check probes"


def test_migrations_precede_every_service(compose_project: Project) -> None:
    specs = compose_project["services"]
    for name, (svc, spec) in app_services(compose_project).items():
        migrations = [
            dep
            for dep, cond in (spec.get("depends_on") or {}).items()
            if is_migration(specs[dep])
            and service_of(specs[dep]) == svc
            and cond.get("condition") == "service_completed_successfully"
        ]
        assert migrations, f"{name} does not wait for its migrations (service_completed_successfully)"
        migration = specs[migrations[0]]
        database = svc.env_name("database_url")
        assert migration["environment"].get(database) == spec["environment"].get(database), (
            f"{migrations[0]} migrates another database than {name} uses"
        )
        for dep in ("postgres", "kafka"):
            assert spec["depends_on"].get(dep, {}).get("condition") == "service_healthy", f"{name} must wait for {dep}"


def test_settings_are_complete_and_fit_for_production(compose_project: Project) -> None:
    hosts = set(compose_project["services"])
    for name, spec in compose_project["services"].items():
        svc = service_of(spec)
        if svc is None:
            continue
        env = {k: str(v) for k, v in (spec.get("environment") or {}).items()}
        assert not unknown_variables(svc, env), f"{name}: variables that name no setting: {unknown_variables(svc, env)}"
        missing = [v for v in required_variables(svc) if v not in env]
        assert not missing, f"{name}: required settings not set: {missing}"
        settings = load_settings(svc, env)  # the code's own validators run here
        assert settings.environment == "production", f"{name} does not run in production mode"  # type: ignore[attr-defined]
        assert not problems_of_production_settings(svc, settings), (
            f"{name}: {problems_of_production_settings(svc, settings)}"
        )
        values = settings.model_dump()
        for field, value in values.items():
            if outside_the_platform(field):
                continue  # the address citizens use, not one inside the compose network
            for host, _ in addresses_in(value):
                assert host in hosts, f"{name}: {svc.env_name(field)} names {host}, which is no compose service"
        if is_migration(spec):
            continue
        secrets = {s["target"] for s in spec.get("secrets") or []}
        writable = [v["target"] for v in spec.get("volumes") or [] if not v.get("read_only")]
        writable += [t.split(":")[0] for t in spec.get("tmpfs") or []]
        for field, path in local_paths(svc, settings).items():
            if field in key_path_fields(svc):
                assert path in secrets, f"{name}: {svc.env_name(field)}={path} is no mounted secret"
            else:
                assert any(path == w or path.startswith(w.rstrip("/") + "/") for w in writable), (
                    f"{name}: {svc.env_name(field)}={path} is on the read-only root file system; mount a volume"
                )


def test_every_service_client_is_known_to_the_gateway(compose_project: Project) -> None:
    apps = app_services(compose_project)
    issued: dict[str, str] = {}
    for svc, spec in apps.values():
        if svc.folder == "portal-gateway":
            issued = load_settings(svc, spec["environment"]).model_dump()["service_clients"]
    for name, (svc, spec) in apps.items():
        settings = load_settings(svc, spec["environment"])
        cid = client_id(svc, settings)
        if cid is None:
            continue
        assert cid in issued, f"{name} authenticates as {cid!r}, which the gateway does not know"
        assert issued[cid] == settings.model_dump()["service_client_secret"], f"{name}: secret differs at the gateway"


def test_urls_between_services_name_the_right_service_and_port(compose_project: Project) -> None:
    apps = app_services(compose_project)
    serving = {name: (svc, port_of(spec, svc)) for name, (svc, spec) in apps.items()}
    for name, (svc, spec) in apps.items():
        settings = load_settings(svc, spec["environment"]).model_dump()
        for field, value in settings.items():
            if not field.endswith(("_url", "_urls")) or field == "database_url" or outside_the_platform(field):
                continue
            for host, port in addresses_in(value):
                assert host in serving, f"{name}: {field} names {host}, which serves no HTTP API"
                target, target_port = serving[host]
                assert port == target_port, f"{name}: {field} uses port {port}; {host} serves on {target_port}"
                assert "--no-worker" in apps[host][1]["command"], f"{name}: {field} should name an API, not a worker"
                if field == "jwks_url":
                    assert target.folder == "portal-gateway"


def departments(project: Project) -> dict[str, dict[str, Any]]:
    """Department code -> the settings of its business system's API."""
    found = {}
    for name, (svc, spec) in app_services(project).items():
        if svc.folder == "business-systems" and "--no-worker" in spec["command"]:
            settings = load_settings(svc, spec["environment"]).model_dump()
            found[settings["department_code"]] = settings | {"compose_service": name}
    return found


def test_two_departments_side_by_side_each_with_its_own_database_and_group(compose_project: Project) -> None:
    found = departments(compose_project)
    assert len(found) >= 2, f"expected at least two departments' business systems, found {sorted(found)}"
    for key in ("database_url", "consumer_group"):
        values = [d[key] for d in found.values()]
        assert len(set(values)) == len(values), f"departments share a {key}: {values}"


def test_the_gateway_routes_to_every_department(compose_project: Project) -> None:
    found = departments(compose_project)
    gateway = [(svc, spec) for svc, spec in app_services(compose_project).values() if svc.folder == "portal-gateway"]
    for svc, spec in gateway:
        urls = load_settings(svc, spec["environment"]).model_dump()["business_systems_urls"]
        assert set(urls) == set(found), f"the gateway routes to {sorted(urls)}, the departments are {sorted(found)}"
        for code, url in urls.items():
            assert addresses_in(url)[0][0] == found[code]["compose_service"]


def test_only_the_gateway_is_published(compose_project: Project) -> None:
    for name, spec in compose_project["services"].items():
        if spec.get("ports"):
            svc = service_of(spec)
            assert svc is not None and svc.folder == "portal-gateway" and "--no-worker" in spec["command"], (
                f"{name} publishes ports; only the gateway's API is public"
            )


def test_every_database_is_created_by_the_init_script(compose_project: Project) -> None:
    postgres_env = compose_project["services"]["postgres"]["environment"]
    for name, spec in compose_project["services"].items():
        svc = service_of(spec)
        if svc is None:
            continue
        url = load_settings(svc, spec["environment"]).model_dump()["database_url"]
        match = re.match(r"^[^:]+://([^:]+):([^@]+)@([^:/]+)(?::\d+)?/(.+)$", url)
        assert match, f"{name}: cannot read {url}"
        user, password, host, database = match.groups()
        assert host == "postgres" and user == database, f"{name}: {url} is not its own database on postgres"
        variable = f"GOV_DB_{database.removeprefix('gov_').upper()}_PASSWORD"
        assert postgres_env.get(variable) == password, f"{name}: postgres gets no {variable} for {database}"


def test_env_example_holds_every_variable_and_no_secret() -> None:
    compose = (REPO / "docker-compose.yml").read_text()
    example = dict(
        line.split("=", 1) for line in (REPO / ".env.example").read_text().splitlines() if line and line[0] != "#"
    )
    referenced = set(re.findall(r"\$\{([A-Z0-9_]+)", compose))
    assert referenced <= set(example), f"not in .env.example: {sorted(referenced - set(example))}"
    for variable, value in example.items():
        if "PASSWORD" in variable or "SECRET" in variable:
            assert value.startswith("change-me"), f".env.example: {variable} must be a placeholder"


# --- the PostgreSQL init script, run for real against the test suite's server --------------


def test_postgres_init_script_creates_databases_idempotently(pg_admin_url: str) -> None:
    match = re.match(r"^[^:]+://([^@:/]+)(?::[^@]*)?@([^:/]+):(\d+)/", pg_admin_url)
    assert match, pg_admin_url
    admin, host, port = match.groups()
    label = f"t{uuid.uuid4().hex[:8]}"
    name = f"gov_{label}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GOV_DB_")},
        "PGHOST": host,
        "PGPORT": port,
        "POSTGRES_USER": admin,
        f"GOV_DB_{label.upper()}_PASSWORD": "s3cret",
    }
    script = REPO / "deploy/compose/postgres-init/10-gov-databases.sh"
    admin_url = pg_admin_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        for _ in range(2):  # the second run finds everything in place
            result = subprocess.run(
                ["bash", str(script)],  # noqa: S607
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
        with psycopg.connect(admin_url, autocommit=True) as conn:
            owner = conn.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            assert owner == (name,), f"database {name} is not owned by role {name}"
            public_connect = conn.execute("SELECT has_database_privilege('public', %s, 'CONNECT')", (name,)).fetchone()
            assert public_connect == (False,), "every role may connect to the service's database"
        with psycopg.connect(f"postgresql://{name}:s3cret@{host}:{port}/{name}") as conn:
            conn.execute("CREATE TABLE probe (id int)")  # the owner can create its schema
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_postgres_init_script_refuses_to_do_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_DB_")}
    result = subprocess.run(
        ["bash", str(REPO / "deploy/compose/postgres-init/10-gov-databases.sh")],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0 and "no GOV_DB_" in result.stderr


@pytest.fixture(autouse=True)
def _no_stray_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own GW_/SM_/... variables must not leak into the settings checked here."""
    for name in list(os.environ):
        if re.match(r"^(GW|SM|BS|DS)_", name):
            monkeypatch.delenv(name)
