"""The reminder before a held licence expires (service-management's gov.license.expiring, see
docs/personal-services.md) in the holder's inbox: its text names the licence, the date and the
renewal item, and the notification carries the item's code for a link; a redelivery makes none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gov_common.contracts.events import LicenseExpiring
from gov_common.events import Event, EventTypes
from gov_common.service import ServiceRuntime
from portal_gateway.app import migrate
from portal_gateway.notifications import texts
from portal_gateway.notifications.consumer import record
from portal_gateway.settings import Settings
from tests.gateway.registry_fake import RegistryFake, gateway_alone

ALICE = "11010519491231002X"
DATA = {
    "license_no": "AMR-2026-0001",
    "license_type": "business_license",
    "license_name": "营业执照",
    "holder_type": "person",
    "holder_id_number": ALICE,
    "valid_until": "2027-01-31T15:59:59+00:00",
    "threshold_days": 30,
    "days_left": 29,
    "renewal_item": {"code": "330122-AMR-XK-0001", "name": "个体工商户设立登记"},
}


def test_the_expiring_text_names_the_licence_the_day_and_the_renewal_item() -> None:
    text = texts.compose(LicenseExpiring.model_validate(DATA))
    assert text is not None
    assert text.kind == "license_expiring" and text.title == "电子证照即将到期"
    assert "「营业执照」（证照编号 AMR-2026-0001）将于2027年1月31日到期（还有 29 天）" in text.body
    assert "请及时办理「个体工商户设立登记」" in text.body
    assert text.item_code == "330122-AMR-XK-0001" and text.license_no == "AMR-2026-0001"
    bare = texts.compose(LicenseExpiring.model_validate({**DATA, "renewal_item": None, "days_left": None}))
    assert bare is not None and bare.item_code is None and "延续手续" in bare.body and "还有" not in bare.body


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[TestClient, ServiceRuntime]]:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        bus="local",
        local_bus_path=str(tmp_path / "bus.db"),
        seed_demo=False,
        token_signing_key_path=str(tmp_path / "token.pem"),
        sms_dev_outbox=str(tmp_path / "sms-outbox.jsonl"),
    )
    migrate(settings)
    app = gateway_alone(settings, RegistryFake())
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app.state.runtime


def test_the_reminder_reaches_the_holders_inbox_once_with_the_renewal_link(
    gateway: tuple[TestClient, ServiceRuntime],
) -> None:
    client, runtime = gateway
    event = Event.new(
        type=EventTypes.LICENSE_EXPIRING, source="/service-management", subject="AMR-2026-0001", data=DATA
    )
    for _ in range(2):
        with runtime.db.session() as session:
            record(session, event)
    registered = client.post(
        "/api/v1/auth/register",
        json={
            "account_type": "person",
            "id_number": ALICE,
            "name": "张三",
            "phone": "13800138000",
            "password": "secret-pass-1",
        },
    )
    assert registered.status_code == 201, registered.text
    token = client.post("/api/v1/auth/token", data={"username": ALICE, "password": "secret-pass-1"}).json()
    inbox = client.get("/api/v1/me/notifications", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert inbox.status_code == 200, inbox.text
    (notification,) = inbox.json()
    assert notification["kind"] == "license_expiring"
    assert notification["item_code"] == "330122-AMR-XK-0001" and notification["license_no"] == "AMR-2026-0001"
