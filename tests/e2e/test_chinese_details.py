"""Every problem a person can meet answers its `detail` in Chinese, from the API itself: a walk over
typical bad requests to the gateway and, through it, the four services (the `code` and `field` stay
English, for programs). A detail with no Chinese or with an English sentence in it fails the test."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.chinese_text import assert_chinese_problem, english_in
from tests.e2e.platform import ADULTS, BUSINESS_FORM, DEMO_PASSWORD, ITEM_INSTANT, Applicant, Platform, login

Ask = Callable[[httpx.Client], httpx.Response]


def _as(client: httpx.Client, who: str) -> dict[str, str]:
    if who == "applicant":
        return Applicant(client, ADULTS[5], name="钱多多").headers
    return login(client, who, DEMO_PASSWORD)


REGISTRATION = {"account_type": "person", "id_number": ADULTS[5], "name": "钱多多", "phone": "13900139001"}

# (name, who asks: None for anonymous, method, path, keyword arguments, expected status)
BAD_REQUESTS: list[tuple[str, str | None, str, str, dict[str, object], int]] = [
    # portal-gateway
    ("no such address", None, "GET", "/api/v1/no-such-endpoint", {}, 404),
    (
        "malformed JSON",
        None,
        "POST",
        "/api/v1/auth/register",
        {"content": b'{"a":', "headers": {"content-type": "application/json"}},
        400,
    ),
    (
        "literal",
        None,
        "POST",
        "/api/v1/auth/register",
        {"json": {**REGISTRATION, "account_type": 5, "password": "long-enough-1"}},
        422,
    ),
    ("missing field", None, "POST", "/api/v1/auth/register", {"json": REGISTRATION}, 422),
    ("too short", None, "POST", "/api/v1/auth/register", {"json": {**REGISTRATION, "password": "short"}}, 422),
    (
        "pattern",
        None,
        "POST",
        "/api/v1/auth/register",
        {"json": {**REGISTRATION, "phone": "12345", "password": "long-enough-1"}},
        422,
    ),
    (
        "check digit",
        None,
        "POST",
        "/api/v1/auth/register",
        {"json": {**REGISTRATION, "id_number": "110101199003077751", "password": "long-enough-1"}},
        422,
    ),
    ("not an object", None, "POST", "/api/v1/auth/register", {"json": [1, 2]}, 422),
    (
        "wrong password",
        None,
        "POST",
        "/api/v1/auth/token",
        {"data": {"username": ADULTS[5], "password": "wrong-pass-1"}},
        401,
    ),
    ("no token", None, "GET", "/api/v1/me", {}, 401),
    ("bad token", None, "GET", "/api/v1/me", {"headers": {"Authorization": "Bearer not.a.token"}}, 401),
    ("admin only", "applicant", "GET", "/api/v1/client-applications", {}, 403),
    # service-management
    ("no such item", None, "GET", "/api/v1/items/NO-SUCH-ITEM", {}, 404),
    ("page size", None, "GET", "/api/v1/items?page_size=1000", {}, 422),
    ("not a number", None, "GET", "/api/v1/items?page=zero", {}, 422),
    (
        "form field",
        "applicant",
        "POST",
        "/api/v1/cases",
        {"json": {"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, "capital": "many"}}},
        422,
    ),
    (
        "required form field",
        "applicant",
        "POST",
        "/api/v1/cases",
        {"json": {"item_code": ITEM_INSTANT, "form": {}}},
        422,
    ),
    ("no such case", "applicant", "GET", "/api/v1/cases/000000000000000000", {}, 404),
    (
        "staff do not file",
        "clerk",
        "POST",
        "/api/v1/cases",
        {"json": {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}},
        403,
    ),
    ("beyond 64 bits", "admin", "GET", "/api/v1/lists/versions/99999999999999999999", {}, 422),
    ("date in a query", "admin", "GET", "/api/v1/supervision/performance?from=0&to=2024-12-31", {}, 422),
    # business-systems (amr)
    (
        "not a decision",
        "reviewer-amr",
        "POST",
        "/api/v1/cases/000000000000000000/decision",
        {"json": {"decision": "maybe", "opinion": "x"}},
        422,
    ),
    (
        "no such work item",
        "reviewer-amr",
        "POST",
        "/api/v1/cases/000000000000000000/decision",
        {"json": {"decision": "approve", "opinion": "同意"}},
        404,
    ),
    ("applicants do not review", "applicant", "GET", "/api/v1/worklist", {}, 403),
    # data-sharing
    ("no such licence", None, "GET", "/api/v1/licenses/NO-SUCH-LICENCE/verify", {}, 404),
    ("no such division", "admin", "GET", "/api/v1/registries/divisions/999999", {}, 404),
    ("division code", "admin", "GET", "/api/v1/registries/divisions/12", {}, 422),
    ("beyond 64 bits (data)", "admin", "GET", "/api/v1/quality/reports/99999999999999999999", {}, 422),
    ("someone else's records", "applicant", "GET", f"/api/v1/registries/population/{ADULTS[0]}", {}, 403),
]


@pytest.mark.parametrize(
    ("who", "method", "path", "kwargs", "status"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_REQUESTS],
)
def test_every_problem_detail_is_chinese(
    platform: Platform, who: str | None, method: str, path: str, kwargs: dict[str, object], status: int
) -> None:
    with platform.client() as client:
        extra = {key: value for key, value in kwargs.items() if key != "headers"}
        headers = {**(_as(client, who) if who else {}), **kwargs.get("headers", {})}  # type: ignore[dict-item]
        response = client.request(method, path, headers=headers, **extra)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    assert_chinese_problem(response.json())


def test_the_check_itself_tells_english_from_chinese() -> None:
    assert english_in("account not found") == "account not found"
    assert english_in("未找到该账户") is None
    assert english_in("决策表不可用（a decision graph needs its nodes）") == "decision graph needs its nodes"
    assert english_in("请输入身份验证器应用中的动态验证码（表单字段 totp）") is None
    assert english_in("“form.capital”应为数字；HTTP Basic 凭据格式不正确") is None
