"""The services' synchronous calls to one another (licence checks, registry reads, service tokens)
share one client per process, so a connection is kept alive and reused instead of opened per call
(the house rule: one shared HTTP client per process)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from business_systems.registries import DataSharingRegistries
from gov_common.http import sync_client
from gov_common.service_client import ServiceCredentials
from service_management.cases.licences import HttpLicenceVerifier
from tests.loopback import serving_handler


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    peers: ClassVar[list[tuple[str, int]]] = []

    def _answer(self, body: dict[str, object]) -> None:
        type(self).peers.append(self.client_address)
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/token":
            self._answer({"access_token": "t", "expires_in": 3600})
        else:
            self._answer({"usable": True, "license_type": "x", "trust_level": "B"})

    def do_GET(self) -> None:
        self._answer({"code": "330122", "name": "某县", "level": "county"})

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.peers = []
    with serving_handler(_Recorder) as url:
        yield url


def test_one_client_per_process_across_threads() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(sync_client())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(client is seen[0] for client in seen) and seen[0] is sync_client()


def test_token_licence_and_registry_calls_reuse_one_connection(server: str) -> None:
    credentials = ServiceCredentials(token_url=f"{server}/token", client_id="sm", client_secret="s")
    licences = HttpLicenceVerifier(base_url=server, credentials=credentials, timeout=5)
    registries = DataSharingRegistries({}, data_sharing_url=server, auth_headers=credentials.headers, timeout=5)
    for _ in range(3):
        assert licences.check(
            license_no="L1", holder_id_number="330122199001011234", accepted_types=["x"], min_trust_level="C"
        ).usable
        assert registries.division("330122") is not None
    assert len(_Recorder.peers) == 7  # a token, then three rounds of two calls
    assert len(set(_Recorder.peers)) == 1, f"connections opened: {sorted(set(_Recorder.peers))}"
