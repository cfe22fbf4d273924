"""Bad input across the public contract answers 4xx problem+json naming the field, never 500."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.chinese_text import assert_chinese_problem
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
    assert_chinese_problem(body)  # what an applicant or clerk reads (the code and field stay for programs)
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


# What the fuzzing run (tests/fuzz) found answering 500, each cause once.


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/lists/versions/99999999999999999999", "version_id"),
        ("/api/v1/lists/versions/0", "version_id"),
        ("/api/v1/lists/diff?from=1&to=99999999999999999999", "to"),
        ("/api/v1/items/330122-AMR-XK-0001/versions/9223372036854775808", "version"),
        ("/api/v1/items/330122-AMR-XK-0001/rules/99999999999999999999", "version"),
        ("/api/v1/registries/imports/810833822292953923584", "import_id"),
        ("/api/v1/catalogue/access-requests/99999999999999999999", "request_id"),
        ("/api/v1/quality/reports/99999999999999999999", "report_id"),
    ],
)
def test_ids_beyond_64_bits(platform: Platform, path: str, field: str) -> None:
    """An id the database cannot hold is refused before it is looked up: 422 naming the parameter."""
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        body = _problem(client.get(path, headers=admin), 422, field)
        assert body["errors"][0]["code"] in ("less_than_equal", "greater_than_equal"), body
        if path.startswith("/api/v1/lists/versions/"):  # as the finding had it: anonymous
            _problem(client.get(path), 422, field)


def test_ids_beyond_64_bits_in_writes_and_bodies(platform: Platform) -> None:
    big = "99999999999999999999"
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        _problem(client.post(f"/api/v1/lists/versions/{big}/submit", headers=admin), 422, "version_id")
        _problem(client.delete(f"/api/v1/lists/versions/{big}", headers=admin), 422, "version_id")
        _problem(
            client.post(f"/api/v1/credit/records/{big}/withdraw", headers=admin, json={"reason": "撤销测试"}),
            422,
            "record_id",
        )
        _problem(
            client.post(f"/api/v1/catalogue/grants/{big}/revoke", headers=admin, json={"reason": "撤销测试"}),
            422,
            "grant_id",
        )
        _problem(
            client.post(f"/api/v1/rectifications/{big}/complete", headers=admin, json={"response": "已整改完毕"}),
            422,
            "task_id",
        )
        _problem(
            client.post(
                f"/api/v1/items/{ITEM_INSTANT}/rules/evaluate", headers=admin, json={"facts": {}, "version": int(big)}
            ),
            422,
            "version",
        )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=0001-01-01&to=2024-12-31", "from"),  # was an OverflowError: the local day's start in UTC
        ("from=2024-01-01&to=9999-12-31", "to"),  # the day after `to`
        ("from=0&to=2024-12-31", "from"),  # a number is not a date (it was taken as Unix time)
    ],
)
def test_dates_out_of_range_in_a_query(platform: Platform, query: str, field: str) -> None:
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        _problem(client.get(f"/api/v1/supervision/performance?{query}", headers=admin), 422, field)
        assert client.get("/api/v1/supervision/performance?from=2024-01-01&to=2024-12-31", headers=admin).is_success


def test_dates_are_text_in_a_body(platform: Platform) -> None:
    """{"effective_date": 0} was published as 1970-01-01."""
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        for value in (0, 1700000000, True, "0001-01-01"):
            _problem(
                client.post("/api/v1/lists/versions/1/publish", headers=admin, json={"effective_date": value}),
                422,
                "effective_date",
            )
        _problem(client.get("/api/v1/calendar/9999-12-31"), 422, "day")
        credit = {"subject": ADULTS[1], "list": "red", "reason": "测试记录", "valid_from": 0}
        _problem(client.post("/api/v1/credit/records", headers=admin, json=credit), 422, "valid_from")


def _raw_get(platform: Platform, target: bytes) -> bytes:
    """A GET sent as bytes: httpx itself builds no URL beyond 64 KiB, the size that made the gateway fail.
    It goes in 4 KiB pieces, as from a slow client or on a busy machine: a server that judged the head by
    what had arrived so far refused it (400) and closed with the rest unread, a reset for the client."""
    url = httpx.URL(platform.base_url)
    request = b"GET " + target + b" HTTP/1.1\r\nHost: " + url.host.encode() + b"\r\nConnection: close\r\n\r\n"
    with socket.create_connection((url.host, url.port or 80), timeout=30) as sock:
        for start in range(0, len(request), 4096):
            sock.sendall(request[start : start + 4096])
            time.sleep(0.002)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_an_overlong_url_is_refused_with_414(platform: Platform) -> None:
    """A 90 KB query string made the gateway's forward fail (httpx.InvalidURL) with a 500 and a reset."""
    answer = _raw_get(platform, b"/api/v1/items?q=" + b"%E6%A1%90" * 10_000)
    assert answer.startswith(b"HTTP/1.1 414 "), answer[:300]
    assert b"application/problem+json" in answer and b'"url_too_long"' in answer, answer[-300:]
    with platform.client() as client:
        body = _problem(client.get("/api/v1/items", params={"q": "a" * 20_000}), 414)
        assert body["code"] == "url_too_long"
        _problem(client.get("/api/v1/items/" + "A" * 9000), 414)
        # Just within the limit the request is forwarded and judged by the service as usual.
        _problem(client.get("/api/v1/items", params={"q": "a" * 8000}), 422, "q")


def test_header_values_that_are_not_ascii_are_forwarded(platform: Platform) -> None:
    """A Latin-1 byte in a forwarded header (HTTP allows it) made the gateway's client fail with a 500."""
    with platform.client() as client:
        assert client.get("/api/v1/items", headers={"Accept-Language": "été".encode("latin-1")}).status_code == 200
        _problem(client.get("/api/v1/cases", headers={"Authorization": b"Bearer \xe9t\xe9"}), 401)


def test_unreadable_csv_files_are_refused(platform: Platform) -> None:
    """The csv module's own refusals (here a field beyond its 128 KiB limit) were 500s in both importers."""
    huge = b"x" * 140_000
    with platform.client() as client:
        admin = login(client, "admin", DEMO_PASSWORD)
        files = {"file": ("items.csv", b"code,name\r\nA-1," + huge + b"\r\n", "text/csv")}
        _problem(client.post("/api/v1/items/import", headers=admin, files=files), 422, "file")
        answer = client.post(
            "/api/v1/registries/divisions/imports",
            headers={**admin, "content-type": "text/csv"},
            content=b"code,name\n330122," + huge + b"\n",
        )
        _problem(answer, 422, "body")
        # A lone carriage return ends a row (as in files saved on old Macs) rather than failing the parse.
        lone_cr = {"file": ("items.csv", b"code,name\rA-1,x\r", "text/csv")}
        assert client.post("/api/v1/items/import", headers=admin, files=lone_cr).status_code < 500


def test_a_path_with_a_line_break_is_a_problem(standalone_platform: Platform) -> None:
    """A line break ends the pattern of the standalone platform's mounts; the 404 is a problem too."""
    with standalone_platform.client() as client:
        _problem(client.get("/api/v1/licenses/a%0Ab"), 404)


def test_form_numbers_beyond_what_the_rules_compare(platform: Platform) -> None:
    """A form number beyond 64 bits (or a float beyond the decision engine's decimals) failed the case's
    process conditions and instant-approval table with a 500; the form says which field is out of range."""
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[1], name="李四")
        for capital in ("1" + "0" * 30, "1e308", "-" + "9" * 400):
            text = json.dumps({"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, "capital": 0}})
            body = text.replace('"capital": 0', f'"capital": {capital}').encode()
            sent = {**applicant.headers, "content-type": "application/json"}
            answer = _problem(client.post("/api/v1/cases", content=body, headers=sent), 422, "form.capital")
            assert answer["errors"][0]["code"] == "form_number_out_of_range"
        admin = login(client, "admin", DEMO_PASSWORD)
        facts = b'{"facts": {"form": {"capital": 1' + b"0" * 400 + b"}}}"
        _problem(
            client.post(
                f"/api/v1/items/{ITEM_INSTANT}/rules/evaluate",
                content=facts,
                headers={**admin, "content-type": "application/json"},
            ),
            422,
            "facts",
        )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        # Half of a surrogate pair: JSON can write it, no database or answer can encode it (was a 500).
        (b'{"item_code": "%s", "form": {"business_name": "\\ud800"}}', 422, "form.business_name"),
        (b'{"item_code": "%s", "form": {"\\udfff": 1}}', 422, None),  # a key: the answer escapes it
        (b'{"item_code": "%s", "form": {"capital": NaN}}', 400, None),  # not JSON, though Python takes it
        (b'{"item_code": "%s", "form": {"capital": -Infinity}}', 400, None),
    ],
)
def test_json_that_is_no_text_or_number(platform: Platform, body: bytes, status: int, field: str | None) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[1], name="李四")
        sent = {**applicant.headers, "content-type": "application/json"}
        answer = _problem(
            client.post("/api/v1/cases", content=body % ITEM_INSTANT.encode(), headers=sent), status, field
        )
        if status == 422:
            assert answer["errors"][0]["code"] == "lone_surrogate", answer
        # A whole pair is one character (an emoji written as JSON escapes), taken as any other.
        fine = {"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, "business_name": "张三小吃店\U0001f35c"}}
        assert client.post("/api/v1/cases", content=json.dumps(fine).encode(), headers=sent).status_code == 201
