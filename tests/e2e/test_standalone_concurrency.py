"""The standalone platform under light concurrency: several submits at once are all filed (at once, or after
a quick 503 with Retry-After, sent again as the UI does) and conclude (a fresh clone's UI tests once failed
here on a 503 from the gateway to service-management after its 10 s timeout), and a
database file whose writer stays taken gives a quick 503 with Retry-After, never a 30-second hang or
a 500. Functional checks with generous timeouts, not timed performance tests (`make bench` measures)."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e.platform import ADULTS, BUSINESS_FORM, ITEM_INSTANT, Applicant, Platform

CONCURRENT_SUBMITS = 20


def _applicants(client: httpx.Client) -> list[Applicant]:
    # The applicant of the case-flow tests, as they register him (the suite shares one platform).
    return [Applicant(client, ADULTS[0], name="张三")]


def _writers(platform: Platform) -> dict[str, dict[str, float]]:
    internal = platform.services["service-management"].rsplit("/internal/", 1)[0]
    response = httpx.get(f"{internal}/internal/sqlite-writers", timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_twenty_submits_at_once_all_succeed_and_conclude(standalone_platform: Platform) -> None:
    platform = standalone_platform
    with httpx.Client(base_url=platform.base_url, timeout=60) as client:
        applicants = _applicants(client)
        before = _writers(platform)["service-management"]

        def submit(n: int) -> tuple[httpx.Response, int]:
            return applicants[n % len(applicants)].submit(ITEM_INSTANT, BUSINESS_FORM)

        with ThreadPoolExecutor(CONCURRENT_SUBMITS) as pool:
            answers = list(pool.map(submit, range(CONCURRENT_SUBMITS)))
        responses = [response for response, _ in answers]
        # Every submit is filed, at once or, when the machine is too busy for twenty at once (the suite's own
        # load beside it), after the quick 503 with Retry-After the service sheds the rest with (its share of
        # twelve at once, gov_standalone.app.SERVICE_CONCURRENCY), sent again as the UI does: never a 500 and
        # never a hang, and each once (the Idempotency-Key).
        assert [r.status_code for r in responses] == [201] * CONCURRENT_SUBMITS, [r.text for r in responses]
        assert len({r.json()["case_no"] for r in responses}) == CONCURRENT_SUBMITS
        print(f"{sum(refused for _, refused in answers)} submits of {CONCURRENT_SUBMITS} were sent again after a 503")
        for n, response in enumerate(responses):
            applicants[n % len(applicants)].wait_for(response.json()["case_no"], "concluded", timeout=120)
        after = _writers(platform)["service-management"]
        # Every writer of the case database got its turn: none gave up waiting for another one.
        assert after["timeouts"] == before["timeouts"]
        assert after["acquired"] > before["acquired"]


def test_a_case_database_that_stays_locked_is_a_quick_503_then_submits_succeed_again(
    standalone_platform: Platform,
) -> None:
    platform = standalone_platform
    var_dir = Path(platform.processes[0].log).parent / "var"
    with httpx.Client(base_url=platform.base_url, timeout=60) as client:
        applicant = _applicants(client)[0]
        body = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}
        # Another process (a maintenance shell) takes the case database's writer and keeps it.
        outside = sqlite3.connect(var_dir / "service-management.db", isolation_level=None, timeout=10)
        outside.execute("BEGIN IMMEDIATE")
        try:
            begun = time.monotonic()
            through_gateway = client.post("/api/v1/cases", json=body, headers=applicant.headers)
            assert through_gateway.status_code == 503, through_gateway.text
            assert time.monotonic() - begun < 9.5  # the service's busy timeout, within the gateway's 10 s
            direct = httpx.post(
                f"{platform.services['service-management']}/api/v1/cases",
                json=body,
                headers=applicant.headers,
                timeout=60,
            )
            assert direct.status_code == 503, direct.text
            assert direct.headers["content-type"] == "application/problem+json"
            assert int(direct.headers["retry-after"]) > 0
        finally:
            outside.execute("ROLLBACK")
            outside.close()
        case_no = applicant.file(ITEM_INSTANT, BUSINESS_FORM)
        applicant.wait_for(case_no, "concluded", timeout=60)
