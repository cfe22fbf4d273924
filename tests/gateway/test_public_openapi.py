"""The gateway's routing table and its public OpenAPI document (docs/api.md): every operation of the
services that the gateway forwards is in `/openapi.json` with the service's own parameters, request and
response schemas and security, errors as problem+json; the checked-in documents of the services are the
ones their apps produce; the longest prefix decides the service, whatever the table's order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from gov_common.contracts.events import DOCUMENT_ID
from gov_common.metrics import HTTP_REQUESTS
from portal_gateway.app import migrate
from portal_gateway.routes import NOT_PUBLIC_PREFIXES, public_operations
from portal_gateway.routes.contract import METHODS, SERVICES_DOCUMENT, services_document
from portal_gateway.routes.generate import render, service_documents
from portal_gateway.routing import (
    BUSINESS_SYSTEMS,
    DATA_SHARING,
    ROUTING_TABLE,
    SERVICE_MANAGEMENT,
    RoutingTable,
    Upstream,
)
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import gateway_alone

PROBLEM = "application/problem+json"
REF = "#/components/schemas/"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("gateway")
    nowhere = "http://127.0.0.1:9"  # nothing listens: a forwarded request is answered 503
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url=nowhere,
        data_sharing_url=nowhere,
        business_systems_urls={"amr": nowhere},
        http_timeout_seconds=2,
    )
    migrate(settings)
    with TestClient(gateway_alone(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def document(gateway: TestClient) -> dict[str, Any]:
    answer = gateway.get("/openapi.json")
    assert answer.status_code == 200
    merged: dict[str, Any] = answer.json()
    return merged


def test_the_checked_in_service_documents_are_the_services_own() -> None:
    current = render(service_documents())
    assert SERVICES_DOCUMENT.read_text(encoding="utf-8") == current, (
        f"{SERVICES_DOCUMENT.name} is stale: run .venv/bin/python -m portal_gateway.routes.generate"
    )


def _titled(node: Any, schemas: dict[str, Any]) -> Any:
    """`node` with each schema reference replaced by the title of the schema it names, so that two
    documents compare whatever name each gave the schema."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(REF):
            target = schemas[node["$ref"][len(REF) :]]
            return {"$ref": target.get("title", node["$ref"])}
        return {k: _titled(v, schemas) for k, v in node.items()}
    if isinstance(node, list):
        return [_titled(v, schemas) for v in node]
    return node


def test_every_service_operation_is_public_with_its_schemas(document: dict[str, Any]) -> None:
    public = {(service, path, method): public for service, public, method, path in public_operations()}
    merged_schemas = document["components"]["schemas"]
    checked = 0
    for service, own in services_document().items():
        own_schemas = own["components"].get("schemas", {})
        for path, operations in own["paths"].items():
            if any(path == p or path.startswith(p + "/") for p in NOT_PUBLIC_PREFIXES):
                continue
            for method, operation in operations.items():
                where = f"{method.upper()} {path} of {service}"
                assert (service, path, method) in public, f"{where} is not forwarded by the gateway"
                found = document["paths"].get(public[(service, path, method)], {}).get(method)
                assert found is not None, f"{where} is missing from the public document"
                assert _titled(found.get("requestBody"), merged_schemas) == _titled(
                    operation.get("requestBody"), own_schemas
                ), f"{where}: request body"
                for status, response in operation["responses"].items():
                    if status.startswith("2"):
                        assert _titled(found["responses"][status], merged_schemas) == _titled(response, own_schemas), (
                            f"{where}: answer {status}"
                        )
                    else:
                        assert found["responses"][status]["content"] == {
                            PROBLEM: {"schema": {"$ref": REF + "Problem"}}
                        }, f"{where}: answer {status} is not problem+json"
                names = {(p["name"], p["in"]) for p in found.get("parameters", [])}
                assert {(p["name"], p["in"]) for p in operation.get("parameters", [])} <= names, where
                assert found["security"] == operation["security"], where
                if operation["security"] == [{"OAuth2": []}]:
                    assert "401" in found["responses"], where
                checked += 1
    # service-management, data-sharing and the business systems' common API (their probes and dead
    # letters aside): 123 operations when this was written.
    assert checked >= 120, checked


def test_the_document_is_a_valid_openapi_3_1_document(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        jsonschema_rs.meta.validate({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema})
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name
    text = str(document)
    for ref in set(re.findall(r"'\$ref': '([^']+)'", text)):
        assert ref.startswith(REF) and ref[len(REF) :] in schemas, f"{ref} does not resolve"
    operation_ids = []
    for path, operations in document["paths"].items():
        declared = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in operations.items():
            assert method in METHODS, (path, method)
            operation_ids.append(operation["operationId"])
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == declared, f"{method.upper()} {path}: path parameters {in_path} != {declared}"
            for status, response in operation["responses"].items():
                assert "description" in response, (path, method, status)
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(document["components"]["securitySchemes"]), (path, method)
    assert len(operation_ids) == len(set(operation_ids)), "operationIds are not unique"


def test_oauth2_password_and_client_credentials_flows_at_the_token_endpoint(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["OAuth2"]
    assert scheme["type"] == "oauth2"
    assert set(scheme["flows"]) == {"password", "clientCredentials"}
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert {flow["tokenUrl"] for flow in scheme["flows"].values()} == {"/api/v1/auth/token"}
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    grant = schemas_property(document, form, "grant_type")
    assert grant is not None
    # The gateway's own operations carry their security too: an applicant's inbox needs a token.
    assert document["paths"]["/api/v1/me/notifications"]["get"]["security"] == [{"OAuth2": []}]
    assert document["paths"]["/api/v1/auth/token"]["post"]["security"] == []


def schemas_property(document: dict[str, Any], schema: dict[str, Any], name: str) -> Any:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"][len(REF) :]]
    return schema.get("properties", {}).get(name)


def test_the_swagger_page_offers_authorize(gateway: TestClient, document: dict[str, Any]) -> None:
    page = gateway.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    # Swagger UI shows its Authorize button when the document has security schemes.
    assert document["components"]["securitySchemes"]


def test_the_longest_prefix_decides_whatever_the_order() -> None:
    forward, backward = RoutingTable(ROUTING_TABLE), RoutingTable(reversed(ROUTING_TABLE))
    expected = {
        "/api/v1/items": SERVICE_MANAGEMENT,
        "/api/v1/items/import-template.xlsx": SERVICE_MANAGEMENT,
        "/api/v1/me/recommendations": SERVICE_MANAGEMENT,
        "/api/v1/me/notifications": None,  # the gateway's own
        "/api/v1/me": None,
        "/api/v1/itemsx": None,
        "/api/v1/license-keys": DATA_SHARING,
        "/api/v1/licenses/L1/verify": DATA_SHARING,
        "/api/v1/worklist/summary": BUSINESS_SYSTEMS,
        "/api/v1/dead-letters": None,
        "/internal/service-management/api/v1/items": None,
    }
    for path, service in expected.items():
        for table in (forward, backward):
            found = table.lookup(path)
            assert (found.service if found else None) == service, path
    nested = RoutingTable([Upstream("/api/v1/a", SERVICE_MANAGEMENT), Upstream("/api/v1/a/b", DATA_SHARING)])
    again = RoutingTable([Upstream("/api/v1/a/b", DATA_SHARING), Upstream("/api/v1/a", SERVICE_MANAGEMENT)])
    for table in (nested, again):
        assert table.lookup("/api/v1/a/b/c").service == DATA_SHARING  # type: ignore[union-attr]
        assert table.lookup("/api/v1/a/bc").service == SERVICE_MANAGEMENT  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        RoutingTable([Upstream("/api/v1/a", SERVICE_MANAGEMENT), Upstream("/api/v1/a", DATA_SHARING)])


def test_forwarded_operations_take_the_services_body_limits(gateway: TestClient) -> None:
    two_mib = b"x" * (2 * 1024 * 1024)
    # An upload (the service declares UPLOAD): within the gateway's upload limit, forwarded (nothing listens).
    upload = gateway.post("/api/v1/files", content=two_mib, headers={"Content-Type": "application/octet-stream"})
    assert upload.status_code == 503, upload.text
    too_large = gateway.post(
        "/api/v1/files", content=b"x" * (11 * 1024 * 1024), headers={"Content-Type": "application/octet-stream"}
    )
    assert too_large.status_code == 413 and too_large.json()["errors"][0]["field"] == "file"
    # A JSON operation keeps the default limit: refused at the gateway.
    json_body = gateway.post("/api/v1/cases", content=two_mib, headers={"Content-Type": "application/json"})
    assert json_body.status_code == 413 and json_body.headers["content-type"].startswith(PROBLEM)
    # A list version's entries: 8 MiB.
    drafts = gateway.post("/api/v1/lists/power/drafts", content=two_mib, headers={"Content-Type": "application/json"})
    assert drafts.status_code == 503, drafts.text


def test_paths_outside_the_table_stay_the_gateways(gateway: TestClient) -> None:
    unknown = gateway.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(PROBLEM)
    # A dot segment is not forwarded: normalised, it would reach another of the service's paths.
    for sneaky in ("/api/v1/items/%2e%2e/dead-letters", "/api/v1/items/%2E/x", "/api/v1/cases/x/%2e%2e"):
        assert gateway.get(sneaky).status_code == 404, sneaky
    # Under a prefix, only the service's operations are forwarded: another path is the gateway's 404, a
    # method the service does not take there a 405 naming those it does (no round trip either way).
    assert gateway.get("/api/v1/items/ITEM-A/nothing-here").status_code == 404
    wrong = gateway.delete("/api/v1/departments")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET", wrong.headers
    assert wrong.headers["content-type"].startswith(PROBLEM)
    # The first template taking the method: GET /items/import is the item "import" (POST imports).
    assert gateway.get("/api/v1/items/import").status_code == 503
    # A business system's staff operation: the department comes from the token, so none is a 401.
    assert gateway.get("/api/v1/worklist").status_code == 401
    # The forwarded request is named by its operation in the metrics, not by its path.
    assert gateway.get("/api/v1/items/ITEM-A/versions").status_code == 503
    routes = {s.labels["route"] for metric in HTTP_REQUESTS.collect() for s in metric.samples}
    assert "/api/v1/items/{code}/versions" in routes
    assert not any("ITEM-A" in route for route in routes)


def test_the_events_asyncapi_document_is_public(gateway: TestClient) -> None:
    """`/asyncapi.json` (docs/events.md), without a token: the checked-in document, the one each event's
    `dataschema` points into; not an operation of the public OpenAPI."""
    answer = gateway.get("/asyncapi.json")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.content == (Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json").read_bytes()
    document = answer.json()
    assert document["asyncapi"] == "3.0.0" and document["id"] == DOCUMENT_ID
    assert "/asyncapi.json" not in gateway.get("/openapi.json").json()["paths"]
