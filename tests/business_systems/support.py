"""Building a department's business system for tests, and talking to it as its users would:
tokens from a real issuer, dispatched cases through the same handler the consumer calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select

from business_systems.app import create_app, create_runtime, migrate
from business_systems.handlers import HandlerRegistry
from business_systems.settings import Settings
from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus.local import LocalBus
from gov_common.events import Event, EventTypes
from gov_common.messaging import outbox, run_handler
from gov_common.service import ServiceRuntime

ITEM_BUSINESS = "330122-AMR-XK-0001"  # 个体工商户设立登记, instant approval
ITEM_FOOD = "330122-AMR-XK-0002"  # 食品经营许可, reviewed
ITEM_PERMIT = "330122-PSB-XK-0001"  # 居住证申领 (psb)
ADULT = "11010519491231002X"
OTHER_ADULT = "110101199003077758"
BUSINESS_FORM = {
    "business_name": "张三小吃店",
    "business_address": "示范县人民路1号",
    "business_scope": "小吃服务",
    "capital": 5,
}
FOOD_FORM = {
    "business_name": "张三小吃店",
    "business_address": "示范县人民路1号",
    "food_category": "热食类制售",
    "floor_area": 40,
}
AMR_HANDLERS = ["individual-business", "food-business"]


def decision_table(field_name: str, condition: str, reason: str) -> dict[str, Any]:
    """A one-table JDM graph: eligible unless `field_name` meets `condition`."""
    rules = [
        {"_id": "r0", "in0": condition, "out0": "false", "out1": f'"{reason}"'},
        {"_id": "r1", "in0": "", "out0": "true", "out1": '"符合秒批条件"'},
    ]
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "input", "type": "inputNode", "name": "申请信息", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "秒批规则",
                "position": {"x": 300, "y": 0},
                "content": {
                    "hitPolicy": "first",
                    "inputs": [{"id": "in0", "name": field_name, "field": field_name}],
                    "outputs": [
                        {"id": "out0", "name": "是否符合", "field": "eligible"},
                        {"id": "out1", "name": "理由", "field": "reason"},
                    ],
                    "rules": rules,
                },
            },
            {"id": "output", "type": "outputNode", "name": "结论", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "e0", "sourceId": "input", "targetId": "table", "type": "edge"},
            {"id": "e1", "sourceId": "table", "targetId": "output", "type": "edge"},
        ],
    }


AGE_RULE = decision_table("applicant.age", "< 18", "申请人未满十八周岁，转人工审核")


def new_case_no() -> str:
    return "20261125" + str(uuid.uuid4().int)[:10]


def dispatched(
    *,
    case_no: str | None = None,
    item_code: str = ITEM_FOOD,
    department: str = "amr",
    form: dict[str, Any] | None = None,
    applicant_sub: str = "applicant-1",
    id_number: str = ADULT,
    age: int = 30,
    credit: dict[str, bool] | None = None,
    instant: bool = False,
    due_at: str | None = None,
    materials: list[dict[str, Any]] | None = None,
    item_version: int = 1,
    committed_days: Any = 10,
) -> Event:
    """`committed_days=None` leaves it out, as events from before it was sent did."""
    case_no = case_no or new_case_no()
    facts: dict[str, Any] = {"type": "person", "age": age}
    if credit is not None:
        facts["credit"] = credit
    data: dict[str, Any] = {
        "case_no": case_no,
        "item_code": item_code,
        "item_version": item_version,
        "item_name": {ITEM_FOOD: "食品经营许可", ITEM_BUSINESS: "个体工商户设立登记"}.get(item_code, "居住证申领"),
        "department_code": department,
        "applicant": {"sub": applicant_sub, "type": "person", "id_number": id_number, "name": "张三", "facts": facts},
        "form": form if form is not None else (BUSINESS_FORM if item_code == ITEM_BUSINESS else FOOD_FORM),
        "instant_approval": instant,
        "rule": {"version": 1, "graph": AGE_RULE} if instant else None,
        "license": {"type": "food_business_license", "name": "食品经营许可证"},
    }
    if committed_days is not None:
        data["committed_days"] = committed_days
    if due_at is not None:
        data["due_at"] = due_at
    if materials is not None:
        data["materials"] = materials
    return Event.new(type=EventTypes.CASE_DISPATCHED, source="/service-management", subject=case_no, data=data)


def clock_changed(
    case_no: str,
    *,
    due_at: str | None,
    paused: bool,
    days: int | None,
    at: datetime | None = None,
    department: str | None = None,
) -> Event:
    data: dict[str, Any] = {"case_no": case_no, "due_at": due_at, "paused": paused, "remaining_working_days": days}
    if department is not None:
        data["department_code"] = department
    event = Event.new(type=EventTypes.CASE_CLOCK_CHANGED, source="/service-management", subject=case_no, data=data)
    if at is not None:
        event = Event(**{**event.__dict__, "time": at})
    return event


class Tokens:
    def __init__(self) -> None:
        self.issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")
        self.verifier = TokenVerifier(self.issuer.jwks, issuer="portal-gateway", audience="gov-platform")

    def staff(
        self, username: str, roles: Sequence[str], department: str | None, *, name: str | None = None
    ) -> dict[str, str]:
        """A staff token as the gateway issues it: login name and display name (the login name if not given)."""
        token = self.issuer.issue(
            sub=f"staff-{username}",
            account_type="staff",
            name=name or username,
            username=username,
            id_number=None,
            roles=list(roles),
            department=department,
        )
        return {"Authorization": f"Bearer {token}"}

    def applicant(self, sub: str = "applicant-1", id_number: str = ADULT) -> dict[str, str]:
        token = self.issuer.issue(
            sub=sub, account_type="person", name="张三", id_number=id_number, roles=[], department=None
        )
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Department:
    """One department's business system, its HTTP API in a TestClient (no threads running)."""

    code: str
    runtime: ServiceRuntime
    client: TestClient
    tokens: Tokens
    _seen_outbox: int = field(default=0)

    def receive(self, event: Event) -> None:
        """What the consumer does with an event: the same handler (its prepare stage first, with no
        transaction open), in its own unit of work."""
        run_handler(self.runtime.db, self.runtime.handlers[event.type], event)

    def file(self, **kwargs: Any) -> str:
        event = dispatched(department=self.code, **kwargs)
        self.receive(event)
        return event.subject

    def as_(self, role: str) -> dict[str, str]:
        """Demo-like staff: handler-amr, reviewer-amr, approver-amr, deptadmin-amr."""
        names = {"handler": "handler", "reviewer": "reviewer", "approver": "approver", "department_admin": "deptadmin"}
        return self.tokens.staff(f"{names[role]}-{self.code}", [role], self.code)

    def events(self, type: str | None = None, case_no: str | None = None) -> list[Event]:
        with self.runtime.db.session() as session:
            payloads = session.scalars(select(outbox.c.payload).order_by(outbox.c.id)).all()
        found = [Event.decode(p) for p in payloads]
        return [e for e in found if (type is None or e.type == type) and (case_no is None or e.subject == case_no)]


def build_department(
    tmp_path: Path,
    tokens: Tokens,
    *,
    code: str = "amr",
    handlers: list[str] | None = None,
    registry: HandlerRegistry | None = None,
    database_url: str | None = None,
    **settings: Any,
) -> Iterator[Department]:
    base = tmp_path / code
    values: dict[str, Any] = {
        "environment": "test",
        "department_code": code,
        "database_url": database_url or f"sqlite:///{base / 'bs.db'}",
        "bus": "local",
        "local_bus_path": str(base / "bus.db"),
        "file_store_url": str(base / "files"),
        "handlers": AMR_HANDLERS if handlers is None and code == "amr" else (handlers or []),
        "instance_id": f"test-{code}",
        **settings,
    }
    config = Settings(**values)
    migrate(config)
    runtime = create_runtime(
        config, bus=LocalBus(values["local_bus_path"]), verifier=tokens.verifier, handlers=registry
    )
    with TestClient(create_app(runtime=runtime, manage_lifespan=False), raise_server_exceptions=False) as client:
        yield Department(code=code, runtime=runtime, client=client, tokens=tokens)
    runtime.db.dispose()
    runtime.bus.close()
