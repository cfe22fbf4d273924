"""Waits for a Kafka consumer group to settle, read from the broker (the group coordinator's own view), instead
of sleeping for a rebalance that takes longer on a busy machine."""

from __future__ import annotations

import time

from kafka.admin import KafkaAdminClient


def wait_for_spread_group(bootstrap: str, group: str, members: int, timeout: float = 120.0) -> None:
    """Returns once the broker reports `group` (its full name, namespace included) stable with `members`
    members, each assigned at least one partition; fails after `timeout` seconds."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-group-watch")
    try:
        deadline = time.monotonic() + timeout
        seen: dict[str, object] = {}
        while time.monotonic() < deadline:
            seen = admin.describe_groups([group])[group]
            assigned = [
                sum(len(t["partitions"]) for t in (m.get("member_assignment") or {}).get("assigned_partitions", []))
                for m in seen.get("members", [])  # type: ignore[attr-defined]
            ]
            if seen.get("group_state") == "Stable" and len(assigned) == members and all(assigned):
                return
            time.sleep(0.2)
        raise AssertionError(f"group {group} did not settle with {members} members within {timeout} s: {seen}")
    finally:
        admin.close()
