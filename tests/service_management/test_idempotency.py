"""Idempotency-Key on filing: a resend after no answer files nothing twice (cases/idempotency.py)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import httpx
from sqlalchemy import func, select, text, update

from service_management.models import Case, IdempotencyRecord
from tests.service_management.conftest import BUSINESS_FORM, FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, PDF, SM

BODY = {"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}


def _cases(sm: SM, sub: str = "p-11010519491231002X") -> int:
    with sm.session() as session:
        return int(session.scalar(select(func.count()).select_from(Case).where(Case.applicant_sub == sub)) or 0)


def _post(sm: SM, key: str, body: dict[str, Any] = BODY, headers: dict[str, str] | None = None) -> httpx.Response:
    return sm.client.post("/api/v1/cases", json=body, headers={**(headers or sm.person()), "Idempotency-Key": key})


def test_the_same_key_twice_files_one_case_and_answers_alike(any_sm: SM) -> None:
    sm = any_sm
    first = _post(sm, "k-1")
    assert first.status_code == 201, first.text
    again = _post(sm, "k-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert _cases(sm) == 1
    # Another applicant's same key is theirs alone; a new key is a new filing.
    other = sm.person("110101199003077758", "李四")
    assert _post(sm, "k-1", headers=other).json()["case_no"] != first.json()["case_no"]
    assert _post(sm, "k-2").json()["case_no"] != first.json()["case_no"]
    assert _cases(sm) == 2
    # Without the header, nothing changes: each POST files.
    sm.file()
    sm.file()
    assert _cases(sm) == 4


def test_the_same_key_with_another_body_is_refused(sm: SM) -> None:
    assert _post(sm, "k-1").status_code == 201
    changed = _post(sm, "k-1", {**BODY, "form": {**BUSINESS_FORM, "capital": 6}})
    assert changed.status_code == 422
    assert changed.headers["content-type"].startswith("application/problem+json")
    [error] = changed.json()["errors"]
    assert error["field"] == "Idempotency-Key" and error["code"] == "idempotency_key_reused"
    assert _cases(sm) == 1


def test_a_malformed_key_is_named(sm: SM) -> None:
    for bad in ("", "a b", "x" * 101, "键"):
        headers: dict[str, Any] = {**sm.person(), "Idempotency-Key": bad.encode()}
        response = sm.client.post("/api/v1/cases", json=BODY, headers=headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _post(sm, "x" * 100).status_code == 201
    assert _cases(sm) == 1


def test_a_failed_filing_keeps_no_key(sm: SM) -> None:
    bad = _post(sm, "k-1", {**BODY, "form": {}})
    assert bad.status_code == 422
    assert _post(sm, "k-1").status_code == 201  # the key was not taken by the refused request
    assert _cases(sm) == 1


def test_a_key_is_forgotten_after_a_day(sm: SM) -> None:
    first = _post(sm, "k-1").json()
    with sm.session() as session:
        session.execute(update(IdempotencyRecord).values(created_at=_day_ago()))
    second = _post(sm, "k-1", {**BODY, "form": {**BUSINESS_FORM, "capital": 6}})
    assert second.status_code == 201 and second.json()["case_no"] != first["case_no"]
    with sm.session() as session:
        session.execute(update(IdempotencyRecord).values(created_at=_day_ago()))
    from service_management.cases import idempotency

    with sm.session() as session:
        assert idempotency.forget_expired(session, now=dt.datetime.now(dt.UTC)) == 1
    with sm.session() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_window_and_bundle_filings_take_a_key(sm: SM) -> None:
    clerk = sm.staff("clerk")
    body = {
        "item_code": ITEM_REVIEWED,
        "applicant": {"type": "person", "id_number": "11010519491231002X", "name": "张三"},
        "form": FOOD_FORM,
        "materials": [],
    }
    headers = {**clerk, "Idempotency-Key": "w-1"}
    first = sm.client.post("/api/v1/intake/cases", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert sm.client.post("/api/v1/intake/cases", json=body, headers=headers).json() == first.json()
    with sm.session() as session:
        window = session.scalar(select(func.count()).select_from(Case).where(Case.channel == "window"))
    assert window == 1

    applicant = {**sm.person(), "Idempotency-Key": "b-1"}
    upload = sm.client.post("/api/v1/files", files={"file": ("layout.pdf", PDF)}, headers=sm.person()).json()
    bundle = {
        "forms": {ITEM_INSTANT: BUSINESS_FORM, ITEM_REVIEWED: FOOD_FORM},
        "materials": [{"code": "BJT", "file_id": upload["file_id"]}],
    }
    url = "/api/v1/bundles/330122-YJS-0001/applications"
    one = sm.client.post(url, json=bundle, headers=applicant)
    assert one.status_code == 201, one.text
    two = sm.client.post(url, json=bundle, headers=applicant)
    assert two.status_code == 201 and two.json()["bundle_no"] == one.json()["bundle_no"]
    assert len(sm.client.get("/api/v1/bundle-applications", headers=sm.person()).json()) == 1
    # The OpenAPI description tells clients of the header.
    spec = sm.client.get("/openapi.json").json()
    for path in ("/api/v1/cases", "/api/v1/intake/cases", "/api/v1/bundles/{code}/applications"):
        names = [p["name"] for p in spec["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"], (path, names)


def test_a_resend_during_the_first_waits_for_it_and_gets_its_answer(pg_sm: SM) -> None:
    """The first filing's transaction holds the key; the resend's insert waits on PostgreSQL's unique
    index until it commits, then answers with its case number: one case, no 500."""
    sm = pg_sm
    from service_management.cases import idempotency
    from service_management.cases.schemas import CaseCreated

    digest = idempotency.request_hash("cases", _case_create())
    sub = "p-11010519491231002X"
    answers: list[httpx.Response] = []
    with sm.session() as session:
        assert idempotency.claim(session, owner=sub, key="k-1", digest=digest) is None
        idempotency.record(session, owner=sub, key="k-1", answer=CaseCreated(case_no="202612050000000001", status="x"))
        resend = threading.Thread(target=lambda: answers.append(_post(sm, "k-1")))
        resend.start()
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock(sm):
            assert time.monotonic() < deadline, "the resend did not wait for the first filing"
            time.sleep(0.02)
    resend.join(10)
    [answer] = answers
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"case_no": "202612050000000001", "status": "x"}
    assert _cases(sm) == 0  # the resend filed nothing of its own


def test_two_at_once_file_one_case(pg_sm: SM) -> None:
    sm = pg_sm
    for round_ in range(3):
        barrier = threading.Barrier(2)
        answers: list[httpx.Response] = []

        def send(key: str, barrier: threading.Barrier, answers: list[httpx.Response]) -> None:
            barrier.wait()
            answers.append(_post(sm, key))

        threads = [threading.Thread(target=send, args=(f"race-{round_}", barrier, answers)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(a.status_code for a in answers) in ([201, 201], [201, 409]), [a.text for a in answers]
        assert len({a.json()["case_no"] for a in answers if a.status_code == 201}) == 1
        assert _cases(sm) == round_ + 1


def _day_ago() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)


def _case_create() -> Any:
    from service_management.cases.schemas import CaseCreate

    return CaseCreate.model_validate(BODY)


def _waiting_on_a_lock(sm: SM) -> bool:
    with sm.session() as session:
        waiting = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return bool(waiting)
