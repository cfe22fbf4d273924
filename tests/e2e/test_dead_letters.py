"""Dead letters of every service through the gateway, as the administrator's page uses them: a
message no consumer can read is dead-lettered by every group on its topic, listed with its reason,
a replay fails again and leaves it pending, a discard settles it; admins only."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from gov_common.bus import Bus
from gov_common.bus.kafka import KafkaBus
from gov_common.bus.local import LocalBus
from gov_common.events import Topics
from tests.e2e.bs_support import staff
from tests.e2e.platform import Platform


def _bus(platform: Platform) -> Bus:
    if platform.mode == "standalone":
        # The standalone process's bus: the SQLite log under its var directory (gov_standalone).
        return LocalBus(str(Path(platform.processes[0].log).parent / "var" / "bus.db"))
    kafka = platform.envs["portal-gateway"]["GW_KAFKA_BOOTSTRAP"]
    return KafkaBus(kafka, client_id="e2e-dead-letters", namespace=platform.namespace)


def _ours(client: httpx.Client, admin: dict[str, str], key: str) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/dead-letters", headers=admin)
    assert answer.status_code == 200, answer.text
    # A service too busy to answer just now is named in `unavailable`; the callers poll until all did.
    return [letter for letter in answer.json()["items"] if letter["key"] == key]


def test_dead_letters_of_every_service_are_listed_replayed_and_discarded_by_the_admin(platform: Platform) -> None:
    key = f"DL-{uuid.uuid4().hex[:10]}"
    bus = _bus(platform)
    try:
        # A department's system reads its own topic (Topics.department_cases), the others gov.case.v1.
        departments = [name.split(".", 1)[1] for name in platform.services if name.startswith("business-systems.")]
        for topic in [Topics.CASE, *(Topics.department_cases(d) for d in departments)]:
            bus.publish(topic, key, b"this is not a CloudEvents envelope", {})
    finally:
        bus.close()
    # Every consumer group dead-letters it: (service, group, topic). data-sharing has two groups, the
    # warehouse's a second or so later than the licences' (it gathers its events).
    expected = {
        ("portal-gateway", "portal-gateway", Topics.CASE),
        ("service-management", "service-management", Topics.CASE),
        ("data-sharing", "data-sharing", Topics.CASE),
        ("data-sharing", "data-sharing-warehouse", Topics.CASE),
    } | {(f"business-systems.{d}", f"business-systems.{d}", Topics.department_cases(d)) for d in departments}

    def seen(letters: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        return {(letter["service"], letter["group"], letter["topic"]) for letter in letters}

    with platform.client() as client:
        admin = staff(client, "admin")
        deadline = time.monotonic() + 60
        letters = _ours(client, admin, key)
        while seen(letters) != expected and time.monotonic() < deadline:
            time.sleep(0.3)
            letters = _ours(client, admin, key)
        assert seen(letters) == expected and len(letters) == len(expected)
        assert all(letter["reason"].startswith("undecodable") and letter["status"] == "pending" for letter in letters)

        clerk = staff(client, "clerk")
        refused = client.get("/api/v1/dead-letters", headers=clerk)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
        one = letters[0]
        assert (
            client.post(f"/api/v1/dead-letters/{one['service']}/{one['id']}/replay", headers=clerk).status_code == 403
        )

        for letter in letters:
            replay = client.post(f"/api/v1/dead-letters/{letter['service']}/{letter['id']}/replay", headers=admin)
            assert replay.status_code == 200, replay.text
            assert replay.json()["outcome"] == "failed" and replay.json()["dead_letter"]["status"] == "pending"
            discard = client.post(
                f"/api/v1/dead-letters/{letter['service']}/{letter['id']}/discard",
                json={"reason": "测试写入的无效消息"},
                headers=admin,
            )
            assert discard.status_code == 200, discard.text
            assert discard.json()["status"] == "discarded" and discard.json()["resolved_by"] == "admin"
        assert _ours(client, admin, key) == []
        discarded = client.get("/api/v1/dead-letters", params={"status": "discarded"}, headers=admin).json()["items"]
        assert seen([letter for letter in discarded if letter["key"] == key]) == expected

        missing = client.post("/api/v1/dead-letters/service-management/987654/replay", headers=admin)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        unknown = client.post("/api/v1/dead-letters/no-such-service/1/replay", headers=admin)
        assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "service"
