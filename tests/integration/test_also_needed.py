"""您可能还需要 end to end on PostgreSQL and Kafka: case events of applicants who filed item A and then
item B go through data-sharing's real consumer into the warehouse; service-management (on PostgreSQL)
asks data-sharing over HTTP with a service token for what applicants of the items a new applicant filed
went on to file. B is recommended with its reason once 5 distinct applicants filed A then B, not at 4;
redelivered events count once; a rebuild from Kafka gives the same rows; the opt-out hides it; and
with the warehouse unreachable the page still answers, with its themes."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from data_sharing.app import create_app, create_runtime
from data_sharing.audit.models import AuditEntry
from data_sharing.warehouse import pseudonym
from data_sharing.warehouse.models import ASSOCIATIONS, item_pair
from data_sharing.warehouse.rebuild import rebuild
from gov_common.auth import Roles, TokenIssuer, TokenVerifier
from gov_common.backlog import lag_source
from gov_common.bus import make_bus
from gov_common.events import Event, Topics
from service_management.personal.also_needed import HttpNextItems
from service_management.personal.facts import HttpRegistryFacts
from tests.data_sharing.test_warehouse import Case, person
from tests.e2e.platform import free_port
from tests.integration.data_sharing_on_kafka import settings_on_kafka
from tests.integration.test_warehouse import publish
from tests.loopback import serving
from tests.service_management.conftest import ITEM_INSTANT as A
from tests.service_management.conftest import ITEM_REVIEWED as B
from tests.service_management.conftest import SM, build_sm
from tests.service_management.e2e_helpers import fresh_id_number

RECOMMENDATIONS = "/api/v1/me/recommendations"


class ServiceToken:
    """service-management's service identity, as the gateway would issue it (client credentials)."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def headers(self) -> dict[str, str]:
        token = self.issuer.issue(
            sub="client:service-management", account_type="client", name="service-management", id_number=None,
            roles=[Roles.SERVICE], department=None, client_id="service-management",
        )  # fmt: skip
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def pg_sm(tmp_path: Path, new_database: Callable[[str], str]) -> Iterator[SM]:
    yield from build_sm(new_database(f"sm_an_{uuid.uuid4().hex[:8]}"), tmp_path)


def _me(sm: SM, number: str) -> dict[str, str]:
    token = sm.issuer.issue(
        sub=f"p-{number}", account_type="person", name="测试", id_number=number, roles=[], department=None,
        assurance_level=2,
    )  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def _filed(prefix: str, n: int, number: str, items: list[str]) -> list[Event]:
    """One applicant's cases, one day apart, each told by several events (submitted … concluded)."""
    events: list[Event] = []
    for k, item in enumerate(items):
        day = dt.datetime(2025, 3, 3 + k, 2, tzinfo=dt.UTC)
        case = (
            Case(f"{prefix}{n}{k}", item, "amr", person(number))
            .submitted(day, "online", due=day + dt.timedelta(days=1))
            .accepted(day + dt.timedelta(minutes=1))
            .dispatched(day + dt.timedelta(minutes=2))
            .approved(day + dt.timedelta(minutes=3))
            .concluded(day + dt.timedelta(minutes=4))
        )
        events += case.events
    return events


def _wait(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_an_item_applicants_filed_next_is_recommended_from_five_applicants_on(
    pg_sm: SM, new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    sm = pg_sm
    settings = settings_on_kafka("an", new_database, kafka_bootstrap, tmp_path / "ds-keys")
    ds = create_runtime(
        settings, verifier=TokenVerifier(sm.issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    )
    ds.bus.ensure_topics([Topics.CASE, Topics.LICENSE])
    ds.start()
    lag = lag_source(ds.bus)
    assert lag is not None
    prefix = f"AN{uuid.uuid4().hex[:6]}"
    applicants = [fresh_id_number() for _ in range(6)]
    both = [e for n, number in enumerate(applicants[:4]) for e in _filed(prefix, n, number, [A, B])]
    fifth = _filed(prefix, 4, applicants[4], [A, B])
    only_a = _filed(prefix, 5, applicants[5], [A])

    def pair_count() -> int:
        with ds.db.session() as s:
            found = s.scalar(
                select(item_pair.c.applicants).where(item_pair.c.item_code == A, item_pair.c.next_item_code == B)
            )
            return int(found or 0)

    def association_rows() -> list[Any]:
        with ds.db.session() as s:
            return [
                sorted(tuple(v for k, v in r.items() if k != "slot") for r in s.execute(select(t)).mappings().all())
                for t in ASSOCIATIONS
            ]

    try:
        with serving(create_app(runtime=ds, manage_lifespan=False)) as ds_url:
            sm.runtime.extras["registry"] = HttpRegistryFacts(base_url=ds_url, timeout=3.0)
            sm.runtime.extras["next_items"] = HttpNextItems(
                base_url=ds_url, credentials=ServiceToken(sm.issuer), timeout=2.0
            )
            newcomer = fresh_id_number("19500101")  # over 60: the 养老服务 theme from the age alone
            me = _me(sm, newcomer)
            sm.file(A, headers=me)

            publish(ds, both + only_a)
            _wait(lambda: pair_count() == 4)
            body = sm.client.get(RECOMMENDATIONS, headers=me).json()
            assert body["also_needed"] == {"opted_out": False, "available": True, "items": []}  # 4: withheld
            assert "养老服务" in {r["theme"] for r in body["recommendations"]}

            publish(ds, fifth)
            _wait(lambda: pair_count() == 5)
            (food,) = sm.client.get(RECOMMENDATIONS, headers=me).json()["also_needed"]["items"]
            assert (food["code"], food["name"], food["applicants"]) == (B, "食品经营许可", 5)
            assert food["reason"] == "办理过「个体工商户设立登记」的申请人中，有 83% 随后办理了本事项"  # 5 of 6

            # Every event again: the inbox drops the copies; the counts stay.
            counted = association_rows()
            publish(ds, both + fifth + only_a)
            _wait(lambda: sum(lag.measure(settings.warehouse_consumer_group, [Topics.CASE]).values()) == 0)
            assert association_rows() == counted and pair_count() == 5

            # Each ask is in data-sharing's audit log, by service-management, with its purpose.
            with ds.db.session() as s:
                asks = s.scalars(select(AuditEntry).where(AuditEntry.resource == "warehouse")).all()
            assert asks and all(e.fields[0] == "next-items" and f"item={A}" in e.fields for e in asks)
            assert {(e.actor_name, e.outcome) for e in asks} == {("service-management", "allowed")}
            # An applicant's own token is not a service's: refused. No item: 422 naming the field.
            direct = httpx.get(f"{ds_url}/api/v1/warehouse/next-items", params={"item": A}, headers=me)
            assert direct.status_code == 403
            bad = httpx.get(f"{ds_url}/api/v1/warehouse/next-items", headers=ServiceToken(sm.issuer).headers())
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "item"

            # The opt-out of 您可能还需要 alone.
            sm.client.patch("/api/v1/me/personal-preferences", json={"also_needed": False}, headers=me)
            hidden = sm.client.get(RECOMMENDATIONS, headers=me).json()
            assert hidden["also_needed"] == {"opted_out": True, "available": True, "items": []}
            assert hidden["recommendations"]
            sm.client.patch("/api/v1/me/personal-preferences", json={"also_needed": True}, headers=me)

            # The warehouse unreachable (nothing listens there): the page answers, themes and all.
            sm.runtime.extras["next_items"] = HttpNextItems(
                base_url=f"http://127.0.0.1:{free_port()}", credentials=ServiceToken(sm.issuer), timeout=1.0
            )
            down = sm.client.get(RECOMMENDATIONS, headers=me)
            assert down.status_code == 200
            assert down.json()["also_needed"] == {"opted_out": False, "available": False, "items": []}
            assert "养老服务" in {r["theme"] for r in down.json()["recommendations"]}
    finally:
        lag.close()
        ds.stop()

    # A rebuild from Kafka (every event read again, copies included) gives the same rows.
    bus = make_bus(settings, client_id="also-needed-rebuild-test")
    try:
        rebuild(ds.db, bus, pseudonyms=pseudonym.load(settings))
    finally:
        bus.close()
    assert association_rows() == counted
    with ds.db.session() as s:
        assert s.scalar(select(func.count()).select_from(item_pair).where(item_pair.c.slot == 0)) == 0
    ds.db.engine.dispose()
