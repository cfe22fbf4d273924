"""The event contract (docs/events.md): one model per event type, what is on the wire today still parses,
the producer's JSON keeps its form, a refusal names the field, every event carries its `dataschema`
into the AsyncAPI document, and that document is the checked-in one and valid AsyncAPI 3.0."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from pydantic import ValidationError

from gov_common.contracts import asyncapi
from gov_common.contracts.events import (
    DOCUMENT_ID,
    EVENT_MODELS,
    Applicant,
    CaseApproved,
    CaseClockChanged,
    CaseDispatched,
    CaseSupplementRequested,
    CreditFact,
    LicenseHolder,
    LicenseToIssue,
    TokenRevoked,
    TypedEvent,
    refusal,
)
from gov_common.events import Event, EventTypes, Topics

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "asyncapi.json"
# The official JSON Schema of AsyncAPI 3.0.0, from the npm package @asyncapi/specs (ui/package.json).
OFFICIAL_SCHEMA = ROOT / "ui" / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"
PERSON = "11010519491231002X"

# gov.case.dispatched as service-management wrote it before the models (docs/case-flow.md).
DISPATCHED_BEFORE = {
    "case_no": "202612050000000001",
    "item_code": "330122-AMR-XK-0001",
    "item_version": 2,
    "item_name": "个体工商户设立登记",
    "department_code": "amr",
    "applicant": {
        "sub": "u-1",
        "type": "person",
        "id_number": PERSON,
        "name": "张三",
        "facts": {"type": "person", "credit": {"known": True}, "age": 30},
    },
    "form": {"business_name": "张三小吃店"},
    "instant_approval": True,
    "rule": {"version": 3, "graph": {"nodes": []}},
    "license": {"type": "individual_business_license", "name": "个体工商户营业执照"},
    "committed_days": 10,
    "due_at": "2026-12-19T09:00:00+00:00",
    "materials": [
        {
            "code": "SFZ",
            "name": "身份证明",
            "license_no": None,
            "file_id": "f1",
            "paper_received": False,
            "provided_by": "张三",
        }
    ],
    "bundle": None,
}


def _event(event_type: str, data: dict[str, Any]) -> Event:
    return Event.new(type=event_type, source="/test", subject="k", data=data)


def test_every_event_type_has_a_model_on_its_topic() -> None:
    named = {v for k, v in vars(EventTypes).items() if k.isupper()}
    assert named <= set(EVENT_MODELS), named - set(EVENT_MODELS)
    topics = {v for k, v in vars(Topics).items() if k.isupper()}
    for event_type, model in EVENT_MODELS.items():
        assert model.TYPE == event_type and model.TOPIC in topics, model
        assert model.__doc__, f"{model.__name__} has no docstring (its message's description)"


def test_dispatch_and_clock_events_go_on_their_departments_topic_too() -> None:
    """A department's business system reads only its topic (Topics.department_cases): every type it
    handles must be sent there, and only those."""
    from business_systems.app import create_runtime
    from business_systems.settings import Settings as BusinessSettings
    from gov_common.bus.local import LocalBus

    to_department = {t for t, m in EVENT_MODELS.items() if m.TO_DEPARTMENT}
    assert to_department == {EventTypes.CASE_DISPATCHED, EventTypes.CASE_CLOCK_CHANGED}
    clock = CaseClockChanged(case_no="C-1", department_code="amr", paused=True)
    assert clock.topics() == [Topics.CASE, "gov.case.dept.amr.v1"]
    assert CaseClockChanged(case_no="C-1").topics() == [Topics.CASE]  # an old clock event names none
    with tempfile.TemporaryDirectory() as tmp:
        settings = BusinessSettings(department_code="amr", database_url=f"sqlite:///{tmp}/bs.db", bus="local")
        runtime = create_runtime(settings, bus=LocalBus(f"{tmp}/bus.db"))
        try:
            assert runtime.consumed_topics == ["gov.case.dept.amr.v1"]
            assert set(runtime.handlers) == to_department
        finally:
            runtime.db.dispose()
            runtime.bus.close()
        # During an upgrade both; a topic that is neither (a typo: an empty topic, no case ever) stops it.
        both = BusinessSettings(department_code="amr", case_topics="gov.case.v1,gov.case.dept.amr.v1")
        assert both.case_topics == ["gov.case.v1", "gov.case.dept.amr.v1"]
        with pytest.raises(ValidationError, match=r"gov\.case\.dept\.amr\.v1"):
            BusinessSettings(department_code="amr", case_topics="gov.case.dept.arm.v1")


def test_no_service_builds_an_events_data_by_hand() -> None:
    """Every producer goes through a model (`EventData.to_event`), which sets `dataschema`."""
    offenders = []
    for folder in ("libs", "services", "standalone", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "events.py" and path.parent.name in ("gov_common", "contracts"):
                continue
            if "Event.new(" in path.read_text(encoding="utf-8"):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_what_was_on_the_topics_parses_and_travels_unchanged() -> None:
    dispatched = CaseDispatched.model_validate(DISPATCHED_BEFORE)
    assert dispatched.applicant.id_number == PERSON and dispatched.applicant.facts["age"] == 30
    assert dispatched.materials[0].file_id == "f1" and dispatched.rule is not None
    # The producer's JSON is the same as before the models, times in the same ISO form.
    assert dispatched.model_dump(mode="json") == DISPATCHED_BEFORE
    # An early supplement request listed its materials by name.
    early = CaseSupplementRequested.model_validate({"case_no": "C1", "materials": ["设备布局图"]})
    assert early.materials == ["设备布局图"]


def test_parts_of_one_shape_travel_without_the_others_fields() -> None:
    assert Applicant.named(type="entity", number="U1", name="某公司").model_dump(mode="json") == {
        "type": "entity",
        "uscc": "U1",
        "name": "某公司",
    }
    assert TokenRevoked(account="a1", min_generation=2).model_dump(mode="json") == {
        "account": "a1",
        "min_generation": 2,
    }
    assert TokenRevoked(entity="e1", grant="7").model_dump(mode="json") == {"entity": "e1", "grant": "7"}


def test_a_newer_producers_additive_field_is_ignored() -> None:
    newer = CaseDispatched.model_validate({**DISPATCHED_BEFORE, "priority": "high"})
    assert "priority" not in newer.model_dump()


def test_valid_until_is_on_the_wire_only_when_given() -> None:
    holder = LicenseHolder(id_number=PERSON, name="张三", type="person")
    decided = LicenseToIssue(type="t", holder=holder, issuer_department="amr", valid_until=None)
    left_out = LicenseToIssue(type="t", holder=holder, issuer_department="amr")
    assert decided.model_dump(mode="json")["valid_until"] is None
    assert "valid_until" not in left_out.model_dump(mode="json")
    again = LicenseToIssue.model_validate(decided.model_dump(mode="json"))
    assert "valid_until" in again.model_fields_set


def test_a_refusal_names_the_fields() -> None:
    data = json.loads(json.dumps(DISPATCHED_BEFORE))
    del data["applicant"]["id_number"]
    data["committed_days"] = "ten"
    with pytest.raises(ValidationError) as caught:
        CaseDispatched.model_validate(data)
    reason = refusal(caught.value)
    assert "data.applicant.id_number: field required" in reason
    assert "data.committed_days: input should be a valid integer" in reason
    with pytest.raises(ValidationError):  # a credit fact's version is a number, not a flag
        CreditFact.model_validate({"subject": "s", "subject_type": "person", "version": True, "records": []})


def test_every_event_carries_its_dataschema_into_the_document() -> None:
    document = asyncapi.build()
    approval = CaseApproved(case_no="C1", automated=True)
    event = Event.decode(approval.to_event(source="/business-systems/amr", subject="C1").encode())
    assert event.type == EventTypes.CASE_APPROVED
    assert event.dataschema == f"{DOCUMENT_ID}#/components/messages/CaseApproved"
    for event_type, model in EVENT_MODELS.items():
        uri, pointer = model.dataschema().split("#", 1)
        assert uri == document["id"] == DOCUMENT_ID
        node: Any = document
        for part in pointer.strip("/").split("/"):
            node = node[part]
        assert node["title"] == event_type
        assert node["payload"]["allOf"][1]["properties"]["dataschema"] == {"const": model.dataschema()}


def test_a_parsed_event_is_not_validated_again() -> None:
    event = _event(EventTypes.CASE_DISPATCHED, DISPATCHED_BEFORE)
    parsed = CaseDispatched.model_validate(event.data)
    typed = TypedEvent.carrying(event, parsed)
    assert CaseDispatched.of(typed) is parsed
    assert (typed.id, typed.type, typed.time, typed.data) == (event.id, event.type, event.time, event.data)
    assert CaseDispatched.of(event) == parsed and CaseDispatched.of(event) is not parsed


def test_the_checked_in_document_is_the_models() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == asyncapi.render(asyncapi.build()), (
        "docs/asyncapi.json is stale: run .venv/bin/python -m gov_common.contracts.asyncapi"
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            r for v in node.values() for r in _refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_is_asyncapi_3() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    topics = {v for k, v in vars(Topics).items() if k.isupper()}
    assert {c["address"] for c in document["channels"].values()} == topics | {"gov.case.dept.{department}.v1"}
    department = document["channels"]["caseDepartment"]
    assert set(department["parameters"]) == {"department"}
    assert set(department["messages"]) == {"CaseDispatched", "CaseClockChanged"}
    assert set(document["components"]["messages"]) == {m.__name__ for m in EVENT_MODELS.values()}
    for ref in _refs(document):  # every reference resolves inside the document
        assert ref.startswith("#/"), ref
        node: Any = document
        for part in ref[2:].split("/"):
            node = node[part]
    for schema in document["components"]["schemas"].values():
        assert not re.search(r'"(\$defs|prefixItems|\$dynamicRef)"', json.dumps(schema)), schema
    if not OFFICIAL_SCHEMA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{OFFICIAL_SCHEMA} is missing: run `npm ci` in ui/")
        pytest.skip("the official AsyncAPI schema comes with ui/node_modules: run `npm ci` in ui/")
    official = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(official)
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    broken = {**document, "channels": {"case": {"address": 1}}}
    assert not validator.is_valid(broken)  # the schema does check the document
