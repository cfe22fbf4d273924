"""pydantic's validation errors answered in Chinese by their type, with the constraint values, in
the shared problem handler (gov_common.errors); pydantic's `type` stays the error's code."""

from __future__ import annotations

from typing import Literal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from gov_common.errors import install_error_handlers
from gov_common.validation_text import TEMPLATES, field_label, validation_message
from tests.chinese_text import english_in


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=5)
    phone: str = Field(default="13900000000", pattern=r"^1\d{10}$")
    age: int = Field(default=30, ge=18, le=120)
    channel: Literal["online", "window"] = "online"


def _app() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    def create(body: Body, limit: int = 10) -> dict[str, str]:
        return {"name": body.name}

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("body", "query", "field", "code", "message"),
    [
        ({}, "", "name", "missing", "名称为必填项"),
        ({"name": "a"}, "", "name", "string_too_short", "名称至少应有 2 个字符"),
        ({"name": "abcdef"}, "", "name", "string_too_long", "名称至多 5 个字符"),
        ({"name": "张三", "phone": "12"}, "", "phone", "string_pattern_mismatch", "手机号码的格式不正确"),
        ({"name": "张三", "age": 3}, "", "age", "greater_than_equal", "“age”应不小于 18"),
        ({"name": "张三", "age": "x"}, "", "age", "int_parsing", "“age”应为整数"),
        ({"name": "张三", "channel": "fax"}, "", "channel", "literal_error", "办理渠道应为以下之一：online、window"),
        ({"name": "张三", "extra": 1}, "", "extra", "extra_forbidden", "“extra”不是可接受的字段"),
        ({"name": "张三"}, "?limit=many", "limit", "int_parsing", "每页条数应为整数"),
    ],
)
def test_each_error_type_is_worded_in_chinese_with_its_constraint(
    body: dict[str, object], query: str, field: str, code: str, message: str
) -> None:
    answer = _app().post(f"/things{query}", json=body)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert {"field": field, "message": message, "code": code} in problem["errors"], problem
    assert problem["detail"] == f"提交的内容有误：{message}"


def test_malformed_json_is_a_400_in_chinese() -> None:
    answer = _app().post("/things", content=b'{"name":', headers={"content-type": "application/json"})
    assert answer.status_code == 400 and answer.json()["detail"] == "请求内容不是有效的 JSON，请检查后重新提交"


def test_an_unknown_type_still_names_the_field_in_chinese() -> None:
    assert validation_message("some_future_type", "form.capital", {"x": 1}) == "“form.capital”的值不正确"
    assert field_label("form.name") == "名称（form.name）"


def test_a_validator_speaking_chinese_is_kept_and_an_english_one_is_not_shown() -> None:
    assert validation_message("value_error", "phone", {"error": "号码位数不对"}) == "手机号码：号码位数不对"
    assert validation_message("value_error", "phone", {"error": "wrong length"}) == "手机号码的值不正确"


@pytest.mark.parametrize("error_type", sorted(TEMPLATES))
def test_every_template_is_chinese_and_fills_from_ctx(error_type: str) -> None:
    ctx = {
        "min_length": 1,
        "max_length": 9,
        "ge": 0,
        "gt": 0,
        "le": 9,
        "lt": 9,
        "multiple_of": 2,
        "max_digits": 5,
        "decimal_places": 2,
        "expected": "'a' or 'b'",
    }
    text = validation_message(error_type, "name", ctx)
    assert "{" not in text and english_in(text) is None, text
