"""Bad input across the public contract answers 4xx problem+json naming the field, never 500."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.platform import (
    ADULTS,
    BUSINESS_FORM,
    DEMO_PASSWORD,
    ITEM_INSTANT,
    Applicant,
    Platform,
    login,
)


def _problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = dict(response.json())
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def test_registration_input(platform: Platform) -> None:
    with platform.client() as client:
        good = {
            "account_type": "person",
            "id_number": ADULTS[4],
            "name": "周八",
            "phone": "13900139000",
            "password": "long-enough-1",
        }
        _problem(
            client.post(
                "/api/v1/auth/register",
                content=b'{"account_type": "person",',
                headers={"content-type": "application/json"},
            ),
            400,
        )
        _problem(client.post("/api/v1/auth/register", json={**good, "account_type": 5}), 422, "account_type")
        _problem(
            client.post("/api/v1/auth/register", json={**good, "id_number": "110101199003077751"}), 422, "id_number"
        )
        _problem(client.post("/api/v1/auth/register", json={**good, "phone": "12345"}), 422, "phone")
        _problem(client.post("/api/v1/auth/register", json={**good, "password": "short"}), 422, "password")
        _problem(client.post("/api/v1/auth/register", json=[1, 2]), 422)
        assert client.post("/api/v1/auth/register", json=good).status_code == 201
        _problem(client.post("/api/v1/auth/register", json=good), 409)
        _problem(client.post("/api/v1/auth/token", data={"username": ADULTS[4], "password": "wrong-pass"}), 401)
        _problem(client.post("/api/v1/auth/token", data={"username": "nobody"}), 422, "password")


def test_tokens(platform: Platform) -> None:
    with platform.client() as client:
        body = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}
        _problem(client.post("/api/v1/cases", json=body), 401)
        _problem(client.post("/api/v1/cases", json=body, headers={"Authorization": "Bearer not.a.token"}), 401)
        _problem(client.post("/api/v1/cases", json=body, headers={"Authorization": "Basic abc"}), 401)
        _problem(client.get("/api/v1/me", headers={"Authorization": "Bearer"}), 401)
        staff = login(client, "clerk", DEMO_PASSWORD)
        _problem(client.post("/api/v1/cases", json=body, headers=staff), 403)  # staff file for walk-ins via intake
        _problem(client.get("/api/v1/worklist", headers=staff), 403)


def test_case_input_and_other_applicants_cases(platform: Platform) -> None:
    with platform.client() as client:
        owner = Applicant(client, ADULTS[5], name="钱多多")
        other = Applicant(client, ADULTS[0], name="张三")
        h = owner.headers
        _problem(client.post("/api/v1/cases", json={"item_code": "NO-SUCH-ITEM", "form": {}}, headers=h), 404)
        missing = {k: v for k, v in BUSINESS_FORM.items() if k != "capital"}
        _problem(
            client.post("/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": missing}, headers=h),
            422,
            "form.capital",
        )
        _problem(
            client.post(
                "/api/v1/cases",
                json={"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, "capital": "many"}},
                headers=h,
            ),
            422,
            "form.capital",
        )
        _problem(client.post("/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": "x"}, headers=h), 422, "form")
        _problem(client.post("/api/v1/cases", json={"form": {}}, headers=h), 422, "item_code")
        _problem(client.post("/api/v1/cases", content=b"{oops", headers={**h, "content-type": "application/json"}), 400)

        case_no = owner.file(ITEM_INSTANT, BUSINESS_FORM)
        _problem(client.get(f"/api/v1/cases/{case_no}", headers=other.headers), 404)
        _problem(client.get("/api/v1/cases/000000000000000000", headers=h), 404)
        _problem(client.get("/api/v1/cases/..%2F..%2Fitems", headers=h), 404)
        mine = client.get("/api/v1/cases", headers=h).json()
        assert case_no in [c["case_no"] for c in mine]
        assert case_no not in [c["case_no"] for c in client.get("/api/v1/cases", headers=other.headers).json()]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/items/NO-SUCH-ITEM", 404, None),
        ("/api/v1/items?page_size=1000", 422, "page_size"),
        ("/api/v1/items?page=zero", 422, "page"),
        ("/api/v1/licenses/NO-SUCH-LICENCE/verify", 404, None),
        ("/api/v1/no-such-endpoint", 404, None),
    ],
)
def test_lookups(platform: Platform, path: str, status: int, field: str | None) -> None:
    with platform.client() as client:
        _problem(client.get(path), status, field)


def test_decision_input(platform: Platform) -> None:
    with platform.client() as client:
        reviewer = login(client, "reviewer-amr", DEMO_PASSWORD)
        _problem(
            client.post(
                "/api/v1/cases/000000000000000000/decision",
                headers=reviewer,
                json={"decision": "maybe", "opinion": "x"},
            ),
            422,
            "decision",
        )
        _problem(
            client.post("/api/v1/cases/000000000000000000/decision", headers=reviewer, json={"decision": "approve"}),
            422,
            "opinion",
        )
        _problem(
            client.post(
                "/api/v1/cases/000000000000000000/decision",
                headers=reviewer,
                json={"decision": "approve", "opinion": "同意"},
            ),
            404,
        )
        applicant = Applicant(client, ADULTS[0], name="张三")
        _problem(
            client.post(
                "/api/v1/cases/000000000000000000/decision",
                headers=applicant.headers,
                json={"decision": "approve", "opinion": "同意"},
            ),
            403,
        )


def test_a_client_reads_its_own_writes_at_once(platform: Platform) -> None:
    """A 2xx means committed: registering and logging in straight after, many at once, never fails."""
    from concurrent.futures import ThreadPoolExecutor

    from stdnum.cn import ric

    def register_then_login(n: int) -> tuple[int, int]:
        base = f"11010819770707{n:03d}"  # a birth date no other test uses
        number = base + ric.calc_check_digit(base + "0")
        with platform.client() as client:
            registered = client.post(
                "/api/v1/auth/register",
                json={
                    "account_type": "person",
                    "id_number": number,
                    "name": "并发测试",
                    "phone": "13700137000",
                    "password": "parallel-pass-1",
                },
            )
            token = client.post("/api/v1/auth/token", data={"username": number, "password": "parallel-pass-1"})
            return registered.status_code, token.status_code

    offset = 100 if platform.mode == "standalone" else 300
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(register_then_login, range(offset, offset + 24)))
    assert results == [(201, 200)] * 24
