"""What operators rely on: JSON logs that follow one trace id across services and events,
health and readiness, Prometheus metrics, an OpenAPI document."""

from __future__ import annotations

import json
import re
import time

import httpx

from tests.e2e.platform import ADULTS, BUSINESS_FORM, ITEM_INSTANT, Applicant, Platform


def _log_records(platform: Platform) -> list[dict]:
    records = []
    for process in platform.processes:
        for line in process.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return records


def test_one_trace_id_follows_an_instant_case_through_every_service(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[0], name="张三")
        response = client.post(
            "/api/v1/cases",
            json={"item_code": ITEM_INSTANT, "form": BUSINESS_FORM},
            # A caller's own X-Request-ID is not taken (gov_common.context): the answer names the trace.
            headers={**applicant.headers, "X-Request-ID": "chosen-by-the-caller"},
        )
        assert response.status_code == 201, response.text
        trace_id = response.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", trace_id) and trace_id != "0" * 32
        applicant.wait_for(response.json()["case_no"], "concluded")

    # Tracing is off here (no OTLP endpoint): no span is recorded, yet the trace id travels over HTTP
    # and on every event, and each service logs under it.
    expected = {"service_management.cases", "business_systems.review", "data_sharing.licenses"}
    deadline = time.monotonic() + 10
    while True:
        loggers = {r.get("logger") for r in _log_records(platform) if r.get("trace_id") == trace_id}
        if expected <= loggers or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert expected <= loggers, loggers
    record = next(r for r in _log_records(platform) if r.get("trace_id") == trace_id)
    assert {"time", "level", "logger", "message", "service", "span_id"} <= record.keys()


def test_health_readiness_metrics_and_openapi(platform: Platform) -> None:
    with platform.client() as client:
        assert client.get("/healthz").json()["status"] == "ok"
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["checks"] == {"database": True, "revocations": True}
        client.get("/api/v1/items")
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert (
            'gov_http_requests_total{method="GET",route="/api/v1/items",service="portal-gateway",status="200"}'
            in metrics.text
        )
        assert client.get("/openapi.json").json()["info"]["title"].startswith("互联网政务服务门户")
    for process in platform.processes:  # every service of the distributed platform answers for itself
        assert httpx.get(process.url + "/readyz", timeout=5).status_code == 200
        assert "gov_http_requests_total" in httpx.get(process.url + "/metrics", timeout=5).text
