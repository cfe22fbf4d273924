"""gov_common.params: ids and dates a request names are refused out of range, before any lookup."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from gov_common.errors import PROBLEM_JSON, install_error_handlers
from gov_common.params import EARLIEST_DAY, LATEST_DAY, MAX_ROW_ID, Day, Moment, RowId


class Body(BaseModel):
    day: Day
    moment: Moment | None = None


def _app() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/versions/{version_id}")
    def version(version_id: RowId, start: Annotated[Day | None, Query(alias="from")] = None) -> dict[str, str]:
        return {"version_id": str(version_id), "from": str(start)}

    @app.post("/bodies")
    def body(body: Body) -> dict[str, str]:
        return {"day": body.day.isoformat()}

    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        (f"/versions/{MAX_ROW_ID}", 200, None),
        (f"/versions/{MAX_ROW_ID + 1}", 422, "version_id"),
        ("/versions/99999999999999999999", 422, "version_id"),
        ("/versions/0", 422, "version_id"),
        ("/versions/-1", 422, "version_id"),
        ("/versions/1?from=2024-02-29", 200, None),
        (f"/versions/1?from={EARLIEST_DAY}", 200, None),
        (f"/versions/1?from={LATEST_DAY}", 200, None),
        (f"/versions/1?from={EARLIEST_DAY - dt.timedelta(days=1)}", 422, "from"),
        (f"/versions/1?from={LATEST_DAY + dt.timedelta(days=1)}", 422, "from"),
        ("/versions/1?from=0001-01-01", 422, "from"),
        ("/versions/1?from=9999-12-31", 422, "from"),
        ("/versions/1?from=0", 422, "from"),  # lax pydantic: Unix time, 1970-01-01
        ("/versions/1?from=1700000000", 422, "from"),
        ("/versions/1?from=2024-02-30", 422, "from"),
    ],
)
def test_ids_and_days_in_paths_and_queries(path: str, status: int, field: str | None) -> None:
    answer = _app().get(path)
    assert answer.status_code == status, answer.text
    if field:
        assert answer.headers["content-type"].startswith(PROBLEM_JSON)
        assert [e["field"] for e in answer.json()["errors"]] == [field]


@pytest.mark.parametrize("value", [0, 1700000000, 1.5, True, "0", "1700000000", "0001-01-01", "9999-12-31", None])
def test_a_day_in_a_body_is_text_within_range(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({"day": value})
    assert refused.value.errors()[0]["loc"] == ("day",)
    answer = _app().post("/bodies", json={"day": value})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "day", answer.text


def test_a_day_and_a_moment_written_as_text_are_taken() -> None:
    body = Body.model_validate({"day": "2025-01-01", "moment": "2025-01-01T08:00:00+08:00"})
    assert body.day == dt.date(2025, 1, 1)
    assert body.moment == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert Body.model_validate({"day": dt.date(2025, 1, 1)}).day == dt.date(2025, 1, 1)  # from Python, as is
    with pytest.raises(ValidationError):
        Body.model_validate({"day": "2025-01-01", "moment": 0})
    with pytest.raises(ValidationError):
        Body.model_validate({"day": "2025-01-01", "moment": "0001-01-01T00:00:00+08:00"})
