"""The gateway serves the built web UI at `/` (portal_gateway.ui): files of the build, index.html
for the application's own pages, and nothing of the API changes: unknown /api paths keep their
404 problem+json, wrong methods their 405, and operations and docs answer as before."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from portal_gateway.app import create_app, migrate
from portal_gateway.settings import Settings

INDEX = '<!doctype html><html lang="zh-CN"><body><div id="app"></div></body></html>'


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    directory = tmp_path / "dist"
    (directory / "assets").mkdir(parents=True)
    (directory / "index.html").write_text(INDEX, encoding="utf-8")
    (directory / "assets" / "index-abc123.js").write_text("console.log('app')", encoding="utf-8")
    (directory / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return directory


def _client(tmp_path: Path) -> TestClient:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        token_signing_key_path=str(tmp_path / "token.pem"),
        service_management_url=f"http://127.0.0.1:{_unused_port()}",  # nothing listens there
    )
    migrate(settings)
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path, dist: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("GW_UI_DIST", str(dist))
    with _client(tmp_path) as client:
        yield client


def _is_index(response: object) -> bool:
    return getattr(response, "text", "") == INDEX


@pytest.mark.parametrize("path", ["/", "/items/330122-AMR-XK-0001", "/verify/AMR-20261125-75097A60CB", "/my/cases"])
def test_pages_of_the_application_answer_index_html(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert _is_index(response)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_files_of_the_build_are_served_and_hashed_assets_cached_for_good(client: TestClient) -> None:
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('app')"
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/favicon.svg").headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("path", ["/assets/missing-123.js", "/missing.css", "/assets/"])
def test_a_missing_file_is_404_not_the_application(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_no_file_outside_the_build_is_served(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    for path in ["/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/%2e%2e/secret.txt"]:
        assert "secret" not in client.get(path).text


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api", "/api/", "/internal/service-management/x"])
def test_unknown_api_paths_keep_answering_404_problem_json(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_api_and_operations_answer_as_without_a_ui(client: TestClient) -> None:
    assert client.delete("/api/v1/departments").status_code == 405  # a known path, a wrong method
    assert client.get("/api/v1/auth/jwks").json()["keys"]
    assert client.get("/api/v1/items").status_code == 503  # routed to a service that is down
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").status_code == 200
    # Not the application's page: the metrics' own refusal (the test client is not on this machine).
    assert client.get("/metrics").headers["content-type"].startswith("application/problem+json")
    assert client.get("/openapi.json").json()["info"]["title"].startswith("互联网政务服务门户")
    assert "swagger" in client.get("/docs").text.lower()
    assert client.post("/my/cases").status_code == 405  # pages are read, not posted to


def test_without_a_built_ui_the_gateway_serves_the_api_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GW_UI_DIST", str(tmp_path / "not-built"))
    with _client(tmp_path) as client:
        root = client.get("/")
        assert root.status_code == 404
        assert root.headers["content-type"].startswith("application/problem+json")
        assert client.get("/healthz").status_code == 200
