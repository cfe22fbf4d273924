"""The public API contract: the services' own OpenAPI documents, merged with the gateway's own routes.

The gateway does not carry the services' code (its image holds gov-common and itself only), so their
documents are generated from their apps in the development environment and checked in:
`services.openapi.json` beside this module (`python -m portal_gateway.routes.generate`; a test fails
when it is stale). Each operation there carries two facts read from the service's code:

- `security`: the operation asks for a bearer token (`gov_common.auth.get_principal`), optionally
  (`get_optional_principal`: `[{}, {"OAuth2": []}]`) or not at all;
- `x-body-limit`: the body limit the service declares for it (`gov_common.limits.body_limit`), which the
  gateway then applies itself (`portal_gateway.routing.TableRoute`).

`merged_openapi` builds the public document: every operation the routing table forwards (at its public
path), the gateway's own routes, OAuth2 security schemes (the password and client-credentials flows of
`/api/v1/auth/token`) and problem+json for every error answer.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

from gov_common.auth import get_optional_principal, get_principal
from gov_common.errors import PROBLEM_JSON

SERVICES_DOCUMENT = Path(__file__).with_name("services.openapi.json")
SECURITY_SCHEME = "OAuth2"
TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a secret)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BODY_LIMIT = "x-body-limit"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error answer (RFC 9457), `application/problem+json`; `errors` names the fields at fault.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable, machine-readable reason"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
SECURITY_SCHEMES: dict[str, Any] = {
    SECURITY_SCHEME: {
        "type": "oauth2",
        "description": (
            "Bearer tokens issued by the gateway: a person or a staff member logs in with the password flow, "
            "an integrator's client application with the client-credentials flow."
        ),
        "flows": {
            "password": {"tokenUrl": TOKEN_URL, "scopes": {}},
            "clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}},
        },
    }
}


def _principal_use(dependant: Dependant) -> str | None:
    """ "required" when the operation's dependencies need a verified token, "optional" when one is
    read if present, None when no token is looked at."""
    found: str | None = None
    for dep in dependant.dependencies:
        if dep.call is get_principal:
            return "required"
        if dep.call is get_optional_principal:
            found = "optional"
        below = _principal_use(dep)
        if below == "required":
            return below
        found = found or below
    return found


def operation_facts(routes: Iterable[BaseRoute]) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, method) -> the facts the OpenAPI document lacks: its security and declared body limit."""
    facts: dict[tuple[str, str], dict[str, Any]] = {}
    for route in iter_route_contexts(list(routes)):
        dependant = getattr(route, "dependant", None)
        if not route.path_format or not isinstance(dependant, Dependant) or not route.include_in_schema:
            continue
        use = _principal_use(dependant)
        security: list[dict[str, list[str]]] = []
        if use == "required":
            security = [{SECURITY_SCHEME: []}]
        elif use == "optional":
            security = [{}, {SECURITY_SCHEME: []}]
        mark = getattr(route.endpoint, "__gov_body_limit__", None)
        limit = None if mark is None else {"max_bytes": mark.max_bytes, "field": mark.field}
        for method in route.methods or ():
            entry: dict[str, Any] = {"security": security}
            if limit is not None:
                entry[BODY_LIMIT] = limit
            facts[(route.path_format, method.lower())] = entry
    return facts


def annotate(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """`document` with each operation's security and body limit (from `operation_facts`)."""
    facts = operation_facts(routes)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method in METHODS:
                operation.update(facts.get((path, method), {"security": []}))
    return document


@cache
def services_document() -> dict[str, Any]:
    """The checked-in documents of the services: {service: OpenAPI document}."""
    loaded: dict[str, Any] = json.loads(SERVICES_DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _refs(node: Any, rename: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[1]
                out[key] = f"#/components/schemas/{rename.get(name, name)}"
            else:
                out[key] = _refs(value, rename)
        return out
    if isinstance(node, list):
        return [_refs(v, rename) for v in node]
    return node


def _problems(operation: dict[str, Any]) -> None:
    """Every error answer of `operation` as problem+json (FastAPI's 422 schema is not what is sent)."""
    for status, response in operation.get("responses", {}).items():
        if status[:1] in ("4", "5"):
            response["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if operation.get("security") and not any(s for s in operation["security"] if not s):
        operation["responses"].setdefault("401", {"description": "No valid bearer token"})
        operation["responses"]["401"]["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def merged_openapi(gateway: dict[str, Any], public_operations: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """The public document: `gateway` (the gateway's own, annotated) with `public_operations`, each
    (service, public path, method, service path) taken from the services' documents.
    Where the gateway has its own route for the same operation (it adds logic, then forwards), the
    service's operation stands, with the gateway's extra answers and parameters added."""
    merged = copy.deepcopy(gateway)
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    services = services_document()
    renames: dict[str, dict[str, str]] = {}
    for service, document in sorted(services.items()):
        rename = renames[service] = {}
        own = document.get("components", {}).get("schemas", {})
        for name in own:
            if name in schemas and schemas[name] != _refs(own[name], {}):
                rename[name] = f"{_title(service)}{name}"
        for name, schema in own.items():
            schemas[rename.get(name, name)] = _refs(schema, rename)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    operation_ids = {op.get("operationId") for ops in paths.values() for m, op in ops.items() if m in METHODS}
    for service, public_path, method, service_path in public_operations:
        operation = copy.deepcopy(services[service]["paths"][service_path][method])
        operation = _refs(operation, renames[service])
        operation.pop(BODY_LIMIT, None)
        own_op = paths.get(public_path, {}).get(method)
        if own_op is not None:
            for status, response in own_op.get("responses", {}).items():
                operation["responses"].setdefault(status, response)
            names = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
            added = [p for p in own_op.get("parameters", []) if (p["name"], p["in"]) not in names]
            operation["parameters"] = added + operation.get("parameters", [])
        operation["tags"] = list(operation.get("tags") or [service])
        if operation.get("operationId") in operation_ids:  # the same function name in two services
            operation["operationId"] = f"{operation['operationId']}_{service.replace('-', '_')}"
        operation_ids.add(operation.get("operationId"))
        paths.setdefault(public_path, {})[method] = operation
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    merged["components"]["securitySchemes"] = SECURITY_SCHEMES
    for operations in paths.values():
        for method, operation in operations.items():
            if method in METHODS:
                _problems(operation)
    merged["paths"] = dict(sorted(paths.items()))
    return merged


def _title(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace(".", "-").split("-"))
