"""The credit feed end to end on PostgreSQL and Kafka: data-sharing publishes its credit lists on
gov.credit.v1 through its outbox; service-management's worker keeps its read model of them and
decides instant approvals from it (docs/data-sharing.md, "The credit feed").

- Before the model has read data-sharing's lists (here: data-sharing not started yet, no heartbeat),
  an instant-approval filing is refused with 503 credit_unavailable and files nothing.
- data-sharing's records written before its start (the demo seed) reach the model (backfill).
- A record entered in data-sharing reaches the model and changes the next decision: a black-listed
  applicant is not approved instantly; withdrawn, the next filing is.
- A fact delivered again, or an older one late, changes nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select

import data_sharing.app as data_sharing
import service_management.app as service_management
from data_sharing.settings import Settings as DataSharingSettings
from gov_common.auth import TokenIssuer, TokenVerifier
from gov_common.bus.kafka import KafkaBus
from gov_common.db import utcnow
from gov_common.events import Event, Topics
from gov_common.files import file_store_from_url
from service_management.credit_model import LocalCredit, credit_feed, credit_subjects
from service_management.ports import Ports
from service_management.settings import Settings as ServiceManagementSettings
from tests.service_management.conftest import BUSINESS_FORM, ITEM_INSTANT, FakeLicences
from tests.service_management.e2e_helpers import fresh_id_number, wait_until

SEEDED_BLACK = "92330122MA2H7R5L09"  # data-sharing's demo seed (court, no end)


class Platform:
    def __init__(self, issuer: TokenIssuer, sm: TestClient, sm_runtime: Any) -> None:
        self.issuer = issuer
        self.sm = sm
        self.sm_runtime = sm_runtime

    def person(self, id_number: str) -> dict[str, str]:
        token = self.issuer.issue(
            sub=f"p-{id_number}", account_type="person", name="信用测试", id_number=id_number, roles=[], department=None
        )
        return {"Authorization": f"Bearer {token}"}

    def admin(self) -> dict[str, str]:
        token = self.issuer.issue(
            sub="admin", account_type="staff", name="admin", id_number=None, roles=["admin"], department=None
        )
        return {"Authorization": f"Bearer {token}"}

    def file(self, id_number: str) -> Any:
        return self.sm.post(
            "/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": BUSINESS_FORM}, headers=self.person(id_number)
        )

    def decision(self, case_no: str) -> dict[str, Any]:
        case = self.sm.get(f"/api/v1/cases/{case_no}", headers=self.admin()).json()
        [decision] = case["decisions"]
        return dict(decision)

    def model(self) -> dict[str, int]:
        with self.sm_runtime.db.session() as session:
            return dict(session.execute(select(credit_subjects.c.subject, credit_subjects.c.version)).all())

    def heartbeat_at(self) -> Any:
        with self.sm_runtime.db.session() as session:
            return session.execute(select(credit_feed.c.heartbeat_at)).scalar()


@pytest.fixture
def settings(
    new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> tuple[ServiceManagementSettings, DataSharingSettings]:
    namespace = f"credit{uuid.uuid4().hex[:8]}."
    common: dict[str, Any] = {
        "environment": "test",
        "bus": "kafka",
        "kafka_bootstrap": kafka_bootstrap,
        "topic_namespace": namespace,
        "seed_demo": True,
        "relay_poll_seconds": 0.2,
    }
    sm = ServiceManagementSettings(
        **common,
        database_url=new_database("sm_credit"),
        supervision_interval_seconds=0,
        credit_max_age_seconds=10,
        file_store_url=str(tmp_path / "files"),
    )
    ds = DataSharingSettings(
        **common,
        database_url=new_database("ds_credit"),
        run_worker=False,
        license_signing_key_path=str(tmp_path / "keys" / "license.pem"),
        credit_heartbeat_seconds=0.5,
    )
    return sm, ds


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer="portal-gateway", audience="gov-platform")


def test_a_credit_change_in_data_sharing_changes_the_next_decision(
    settings: tuple[ServiceManagementSettings, DataSharingSettings], issuer: TokenIssuer, tmp_path: Path
) -> None:
    sm_settings, ds_settings = settings
    verifier = TokenVerifier(issuer.jwks, issuer="portal-gateway", audience="gov-platform")
    service_management.migrate(sm_settings)
    data_sharing.migrate(ds_settings)
    ports = Ports(
        files=file_store_from_url(str(tmp_path / "files")),
        credit=LocalCredit(max_age_seconds=sm_settings.credit_max_age_seconds),
        licences=FakeLicences(),
    )
    sm_runtime = service_management.create_runtime(sm_settings, verifier=verifier, ports=ports)
    ds_runtime = data_sharing.create_runtime(ds_settings, verifier=verifier)
    clean, black = fresh_id_number(), fresh_id_number()
    with TestClient(service_management.create_app(runtime=sm_runtime), raise_server_exceptions=False) as sm:
        platform = Platform(issuer, sm, sm_runtime)
        # data-sharing has not published its lists yet: nothing is decided.
        refused = platform.file(clean)
        assert refused.status_code == 503 and refused.json()["code"] == "credit_unavailable", refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert sm.get("/api/v1/cases", headers=platform.person(clean)).json() == []
        assert sm.get("/readyz").json()["checks"]["credit"] is False

        with TestClient(data_sharing.create_app(runtime=ds_runtime)) as ds:
            wait_until(lambda: sm.get("/readyz").json()["checks"], lambda c: c["credit"] is True)
            assert SEEDED_BLACK in platform.model()  # the seed, written before the feed: backfilled

            filed = platform.file(clean)
            assert filed.status_code == 201, filed.text
            assert platform.decision(filed.json()["case_no"])["instant"] is True

            entered = ds.post(
                "/api/v1/credit/records",
                json={
                    "subject": black,
                    "list": "black",
                    "reason": "拒不履行法院判决",
                    "valid_from": time.strftime("%Y-%m-%d"),
                    "source_department": "court",
                },
                headers=platform.admin(),
            )
            assert entered.status_code == 201, entered.text
            wait_until(platform.model, lambda model: model.get(black) == 1)
            case_no = platform.file(black).json()["case_no"]
            decision = platform.decision(case_no)
            assert decision["instant"] is False and "失信黑名单" in decision["explanation"]
            assert decision["inputs"]["applicant"]["credit"] == {"black_listed": True, "red_listed": False}

            # Delivered again, and the first fact late after the withdrawal's: nothing changes.
            bus = KafkaBus(ds_settings.kafka_bootstrap, client_id="test-credit", namespace=ds_settings.topic_namespace)
            try:
                first = bus.latest_by_key(Topics.CREDIT)[black]
                withdrawn = ds.post(
                    f"/api/v1/credit/records/{entered.json()['id']}/withdraw",
                    json={"reason": "已履行判决，信用修复"},
                    headers=platform.admin(),
                )
                assert withdrawn.status_code == 200, withdrawn.text
                wait_until(platform.model, lambda model: model.get(black) == 2)
                second = bus.latest_by_key(Topics.CREDIT)[black]
                assert Event.decode(second.value).data["records"] == []
                sent = utcnow()
                bus.publish(Topics.CREDIT, black, second.value)
                bus.publish(Topics.CREDIT, black, first.value)
            finally:
                bus.close()
            # Heartbeats sent a second after them applied: the feed has read both.
            wait_until(platform.heartbeat_at, lambda at: at > sent + timedelta(seconds=1), timeout=15)
            assert platform.model()[black] == 2
            again = platform.file(black)
            assert again.status_code == 201, again.text
            assert platform.decision(again.json()["case_no"])["instant"] is True
