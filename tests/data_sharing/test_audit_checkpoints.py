"""Signed checkpoints of the audit chain: the canonical encoding and signing (unit), the checkpoints
written to a file and a compacted Kafka topic by one replica at a time, verification that names the
entries removed since a checkpoint even when the head was forged or everything was deleted (real
PostgreSQL and Kafka), and the export a third party verifies offline with the public key alone."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from sqlalchemy import text

from data_sharing.audit.canonical import GENESIS, canonical_json, public_link
from data_sharing.audit.checkpointer import AuditCheckpointer
from data_sharing.audit.checkpoints import CheckpointError, CheckpointSigner, parse, public_keys_from_jwks
from data_sharing.audit.service import Actor, AuditLog
from data_sharing.audit.stores import TOPIC, CheckpointFile
from data_sharing.audit.verify_segment import verify_segment
from gov_common.keys import public_jwk
from tests.data_sharing.conftest import DataSharing, Tokens

READER = Actor(sub="client:app-1", kind="client", name="某集成应用", client_id="app-1")
ROOT = Path(__file__).resolve().parents[2]


# -- unit: the canonical form, the signature, the file --------------------------------------------


def test_the_canonical_form_is_sorted_compact_utf8_json_and_the_link_is_sha256_over_it() -> None:
    content = {"seq": 2, "purpose": "核验", "fields": ["name"], "at": "2026-11-20T02:00:00+00:00", "reason": None}
    assert canonical_json(content) == (
        '{"at":"2026-11-20T02:00:00+00:00","fields":["name"],"purpose":"核验","reason":null,"seq":2}'.encode()
    )
    prev = "ab" * 32
    assert public_link(prev, content) == hashlib.sha256(prev.encode() + canonical_json(content)).hexdigest()
    assert public_link(GENESIS, content) != public_link(prev, content)
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def _signer() -> CheckpointSigner:
    return CheckpointSigner(Ed25519PrivateKey.generate())


def test_a_checkpoint_is_signed_over_its_canonical_body_and_parsed_back() -> None:
    signer = _signer()
    at = datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=UTC)
    envelope = signer.sign(seq=9, hash_="a" * 64, link="b" * 64, at=at)
    assert envelope["checkpoint"] == {
        "format": "gov.audit.checkpoint.v1",
        "chain": "data-sharing/audit-log",
        "seq": 9,
        "count": 9,
        "hash": "a" * 64,
        "link": "b" * 64,
        "at": "2026-11-20T02:00:00.123456Z",
        "key_id": signer.key_id,
    }
    assert envelope["alg"] == "EdDSA"
    checkpoint = parse(json.loads(json.dumps(envelope)), signer.public_keys)
    assert (checkpoint.seq, checkpoint.link, checkpoint.at) == (9, "b" * 64, at)
    # Verified with the JWKS a third party downloads, too.
    assert parse(envelope, public_keys_from_jwks(signer.jwks())).seq == 9


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: e["checkpoint"].update(seq=12),  # a later entry claimed
        lambda e: e["checkpoint"].update(link="c" * 64),
        lambda e: e.update(signature=e["signature"][:-4] + "AAAA"),
        lambda e: e.update(signature="!!not base64!!"),
        lambda e: e["checkpoint"].update(key_id="someone-else"),
        lambda e: e.update(alg="HS256"),
    ],
)
def test_a_checkpoint_altered_or_with_a_bad_signature_is_refused(tamper: Callable[[dict[str, Any]], None]) -> None:
    signer = _signer()
    envelope = signer.sign(seq=9, hash_="a" * 64, link="b" * 64, at=datetime.now(UTC))
    tamper(envelope)
    with pytest.raises(CheckpointError):
        parse(envelope, signer.public_keys)


def test_a_checkpoint_signed_by_another_key_is_refused_even_if_it_claims_the_key_id() -> None:
    signer, forger = _signer(), _signer()
    forged = forger.sign(seq=9, hash_="a" * 64, link="b" * 64, at=datetime.now(UTC))
    forged["checkpoint"]["key_id"] = signer.key_id
    body = forged["checkpoint"]
    from gov_common.keys import b64url

    forged["signature"] = b64url(Ed25519PrivateKey.generate().sign(canonical_json(body)))
    with pytest.raises(CheckpointError, match="signature does not verify"):
        parse(forged, signer.public_keys)
    # A JWKS entry cannot name itself with another key's id: the thumbprint is recomputed.
    jwk = public_jwk(forger._key.public_key())
    assert set(public_keys_from_jwks({"keys": [{**jwk, "kid": signer.key_id}]})) == {forger.key_id}


def test_the_checkpoint_file_gives_back_its_last_valid_line(tmp_path: Path) -> None:
    signer, forger = _signer(), _signer()
    file = CheckpointFile(str(tmp_path / "sub" / "checkpoints.jsonl"))
    assert file.latest(signer.public_keys).checkpoint is None  # no file yet
    for seq in (3, 7):
        file.append(signer.sign(seq=seq, hash_="a" * 64, link="b" * 64, at=datetime.now(UTC)))
    file.append(forger.sign(seq=99, hash_="a" * 64, link="b" * 64, at=datetime.now(UTC)))
    with file.path.open("a") as out:
        out.write('{"truncated line\n')
    found = file.latest(signer.public_keys)
    assert found.checkpoint is not None and found.checkpoint.seq == 7
    assert len(found.refused) == 2


# -- on PostgreSQL and Kafka: checkpoints written, and truncation named ------------------------------


@pytest.mark.parametrize("kind", ["local", "kafka"])
def test_the_bus_reads_the_newest_message_of_each_key(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from gov_common.bus.kafka import KafkaBus
    from gov_common.bus.local import LocalBus

    bus: Any
    if kind == "local":
        bus = LocalBus(str(tmp_path / "bus.db"))
    else:
        bootstrap = request.getfixturevalue("kafka_bootstrap")
        bus = KafkaBus(bootstrap, client_id="test-latest", namespace=f"latest{uuid.uuid4().hex[:8]}.")
    try:
        assert bus.latest_by_key("t.compacted", timeout=10) == {}  # no such topic yet
        bus.ensure_topics(["t.compacted"], config={"cleanup.policy": "compact"})
        for key, value in [("a", b"1"), ("b", b"2"), ("a", b"3")]:
            bus.publish("t.compacted", key, value)
        latest = bus.latest_by_key("t.compacted", timeout=20)
        assert {k: m.value for k, m in latest.items()} == {"a": b"3", "b": b"2"}
        assert latest["a"].topic == "t.compacted"
    finally:
        bus.close()


def _record(audit: AuditLog, n: int) -> None:
    for i in range(n):
        audit.record(
            actor=READER,
            action="read",
            resource="population",
            fields=["name"],
            subject="11010519491231002X",
            purpose=f"核验 {i}",
        )


def _kafka_ds(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> DataSharing:
    return start_ds(
        new_database(f"ds_cp_{uuid.uuid4().hex[:6]}"),
        bus="kafka",
        kafka_bootstrap=kafka_bootstrap,
        topic_namespace=f"dscp{uuid.uuid4().hex[:8]}.",
        audit_checkpoint_file=str(tmp_path / "archive" / "audit-checkpoints.jsonl"),
    )


def _parts(ds: DataSharing) -> tuple[AuditLog, AuditCheckpointer]:
    return ds.runtime.extras["audit_log"], ds.runtime.extras["audit_checkpointer"]


def _verify(ds: DataSharing, tokens: Tokens) -> dict[str, Any]:
    response = ds.client.get("/api/v1/audit/verify", headers=tokens.admin())
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_truncating_the_newest_entries_with_a_forged_head_is_named_from_the_checkpoint(
    start_ds: Callable[..., DataSharing],
    new_database: Callable[[str], str],
    kafka_bootstrap: str,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    ds = _kafka_ds(start_ds, new_database, kafka_bootstrap, tmp_path)
    audit, checkpointer = _parts(ds)
    ds.runtime.extras["audit_checkpoints"].topic.ensure()
    _record(audit, 9)
    written = checkpointer.checkpoint_once()
    assert written is not None and (written.seq, written.count) == (9, 9)
    assert checkpointer.checkpoint_once() is None  # the chain did not advance
    ok = _verify(ds, tokens)
    assert ok["valid"] is True and ok["checkpoint"]["seq"] == 9 and ok["head_signed"] is True

    # The attack of issue 12: the newest 3 deleted and the head pointed at the new last row.
    with ds.runtime.db.session() as session:
        session.execute(text("DELETE FROM audit_log WHERE seq >= 7"))
        session.execute(text("UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)"))
        session.execute(text("DELETE FROM audit_checkpoints"))  # the database's copies do not count
    result = _verify(ds, tokens)
    assert result["valid"] is False
    truncated = next(p for p in result["problems"] if p["problem"] == "truncated")
    assert (truncated["first_seq"], truncated["last_seq"]) == (7, 9)
    assert truncated["detail"] == f"entries 7 to 9 were removed; {written.describe()} signed entry 9"
    assert {p["problem"] for p in result["problems"]} == {"truncated", "head_forged"}

    # The topic alone is enough: the operator's file moved away, the compacted topic still tells.
    Path(str(ds.settings.resolved_audit_checkpoint_file)).rename(tmp_path / "moved.jsonl")
    from_topic = _verify(ds, tokens)
    assert from_topic["checkpoint"]["source"] == "topic"
    assert any(p["problem"] == "truncated" and p["last_seq"] == 9 for p in from_topic["problems"])

    # No checkpoint blesses the truncated log: new entries 7.. do not extend the one of entry 9.
    _record(audit, 4)
    assert checkpointer.checkpoint_once() is None
    diverged = _verify(ds, tokens)
    assert any(p["problem"] == "diverged" and p["seq"] == 9 for p in diverged["problems"])

    # An operator who accepts the loss (a restore from a backup) rebases once, by setting.
    rebasing = AuditCheckpointer(
        ds.runtime.db,
        key=audit.key,
        signer=ds.runtime.extras["audit_checkpoint_signer"],
        sources=ds.runtime.extras["audit_checkpoints"],
        interval_seconds=60,
        rebase=True,
    )
    rebased = rebasing.checkpoint_once()
    assert rebased is not None and rebased.seq == 10
    assert rebasing.checkpoint_once() is None  # once
    assert _verify(ds, tokens)["valid"] is True


def test_deleting_every_entry_and_the_head_is_detected(
    start_ds: Callable[..., DataSharing],
    new_database: Callable[[str], str],
    kafka_bootstrap: str,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    ds = _kafka_ds(start_ds, new_database, kafka_bootstrap, tmp_path)
    audit, checkpointer = _parts(ds)
    ds.runtime.extras["audit_checkpoints"].topic.ensure()
    _record(audit, 5)
    assert checkpointer.checkpoint_once() is not None
    with ds.runtime.db.session() as session:
        session.execute(text("DELETE FROM audit_log"))
        session.execute(text("DELETE FROM audit_head"))
    result = _verify(ds, tokens)
    assert result["valid"] is False and result["entries_checked"] == 0
    assert result["first_invalid"]["problem"] == "truncated"
    assert (result["first_invalid"]["first_seq"], result["first_invalid"]["last_seq"]) == (1, 5)
    assert result["first_invalid"]["detail"].startswith("entries 1 to 5 were removed; the checkpoint of ")


def test_the_checkpoint_topic_is_compacted_on_kafka(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    ds = _kafka_ds(start_ds, new_database, kafka_bootstrap, tmp_path)
    name = ds.settings.topic_namespace + TOPIC
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)

    def policy() -> str | None:
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name, ["cleanup.policy"])])
        value = configs["topic"][name].get("cleanup.policy", {}).get("value")  # only values set on the topic
        return str(value) if value is not None else None

    try:
        ds.runtime.bus.ensure_topics([TOPIC])  # a topic made beforehand without the policy...
        assert policy() is None
        ds.runtime.extras["audit_checkpoints"].topic.ensure()  # ...gets it too
        # The broker answers a describe from its metadata, which a busy machine brings up to date a moment after
        # the alteration (CI of caf0e47 read None once): asked again until it says so, for up to 15 s.
        deadline = time.monotonic() + 15
        while policy() != "compact" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert policy() == "compact"
    finally:
        admin.close()


def test_one_replica_writes_checkpoints_at_a_time(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    ds = _kafka_ds(start_ds, new_database, kafka_bootstrap, tmp_path)
    audit, checkpointer = _parts(ds)
    ds.runtime.extras["audit_checkpoints"].topic.ensure()
    _record(audit, 2)
    with ds.runtime.db.engine.connect() as other_replica:
        other_replica.execution_options(isolation_level="AUTOCOMMIT")
        assert other_replica.scalar(text("SELECT pg_try_advisory_lock(4242002)"))
        assert checkpointer.checkpoint_once() is None
        other_replica.execute(text("SELECT pg_advisory_unlock(4242002)"))
    assert checkpointer.checkpoint_once() is not None


def _worker_ds(start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], seconds: float) -> DataSharing:
    return start_ds(new_database(f"ds_cpw_{uuid.uuid4().hex[:6]}"), run_worker=True, audit_checkpoint_seconds=seconds)


def _newest_in_file(ds: DataSharing) -> int | None:
    keys = ds.runtime.extras["audit_checkpoint_signer"].public_keys
    checkpoint = CheckpointFile(str(ds.settings.resolved_audit_checkpoint_file)).latest(keys).checkpoint
    return checkpoint.seq if checkpoint is not None else None


def test_the_worker_checkpoints_on_its_timer(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str]
) -> None:
    ds = _worker_ds(start_ds, new_database, 0.2)
    _record(ds.runtime.extras["audit_log"], 3)
    deadline = time.monotonic() + 10
    while _newest_in_file(ds) != 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _newest_in_file(ds) == 3


def test_the_worker_checkpoints_at_shutdown(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str]
) -> None:
    ds = _worker_ds(start_ds, new_database, 3600)  # the timer never fires here
    _record(ds.runtime.extras["audit_log"], 4)
    assert _newest_in_file(ds) is None
    ds.client.__exit__(None, None, None)  # the platform stops
    assert _newest_in_file(ds) == 4
    ds.client.__enter__()  # for the fixture's teardown


# -- export and the offline verifier -----------------------------------------------------------------


def _exported(ds: DataSharing, tokens: Tokens, tmp_path: Path, **params: int) -> tuple[dict[str, Any], Path]:
    response = ds.client.get("/api/v1/audit/export", headers=tokens.admin(), params=params)
    assert response.status_code == 200, response.text
    path = tmp_path / f"segment-{uuid.uuid4().hex[:6]}.json"
    path.write_text(response.text)
    return dict(response.json()), path


def _offline(segment: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "data_sharing.audit.verify_segment", str(segment), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture
def exported(pg_ds: DataSharing, tokens: Tokens, tmp_path: Path) -> tuple[DataSharing, Path]:
    """data-sharing with 12 entries, checkpoints at 5 and 10, and its public keys saved as a JWKS."""
    audit, checkpointer = _parts(pg_ds)
    for count in (5, 5):
        _record(audit, count)
        assert checkpointer.checkpoint_once() is not None
    _record(audit, 2)
    assert _count(pg_ds) == 12
    keys = pg_ds.client.get("/api/v1/audit/checkpoint-keys")  # public: no token
    assert keys.status_code == 200 and keys.json()["keys"][0]["crv"] == "Ed25519"
    (tmp_path / "jwks.json").write_text(keys.text)
    return pg_ds, tmp_path / "jwks.json"


def _count(ds: DataSharing) -> int:
    with ds.runtime.db.session() as session:
        return int(session.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


def test_a_valid_segment_verifies_offline_with_only_the_public_key(
    exported: tuple[DataSharing, Path], tokens: Tokens, tmp_path: Path
) -> None:
    ds, jwks = exported
    segment, path = _exported(ds, tokens, tmp_path, from_seq=3, to_seq=12)
    assert [c["checkpoint"]["seq"] for c in segment["checkpoints"]] == [5, 10]
    assert [e["seq"] for e in segment["entries"]] == list(range(3, 13))
    done = _offline(path, "--public-key", str(jwks))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED: entries 3 to 10" in done.stdout
    assert "entries 11 to 12 follow the last checkpoint" in done.stdout
    # A PEM public key works as well as the JWKS.
    pem = tmp_path / "checkpoint.pub.pem"
    private = ds.runtime.extras["audit_checkpoint_signer"]._key
    pem.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert _offline(path, "--public-key", str(pem)).returncode == 0
    # Another key verifies nothing.
    stranger = tmp_path / "stranger.json"
    stranger.write_text(json.dumps(CheckpointSigner(Ed25519PrivateKey.generate()).jwks()))
    refused = _offline(path, "--public-key", str(stranger))
    assert refused.returncode == 1 and "not one of the checkpoint keys given" in refused.stdout


def test_an_altered_entry_in_an_exported_segment_is_named_offline(
    exported: tuple[DataSharing, Path], tokens: Tokens, tmp_path: Path
) -> None:
    ds, jwks = exported
    segment, _ = _exported(ds, tokens, tmp_path, from_seq=1, to_seq=10)
    segment["entries"][3]["content"]["purpose"] = "无"  # entry 4
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(segment, ensure_ascii=False))
    done = _offline(altered, "--public-key", str(jwks), "--json")
    assert done.returncode == 1, done.stdout
    report = json.loads(done.stdout)
    assert report["altered"] == [4]
    assert "entry 4 was altered: its content does not match its link" in report["problems"]

    # Links recomputed from the altered entry on: self-consistent, but not what was signed.
    prev = segment["entries"][2]["link"]
    for entry in segment["entries"][3:]:
        entry["link"] = prev = public_link(prev, entry["content"])
    altered.write_text(json.dumps(segment, ensure_ascii=False))
    report = verify_segment(segment, public_keys_from_jwks(json.loads(jwks.read_text())))
    assert report.altered == [] and not report.valid
    assert any("an entry between 1 and 5 was altered or its links were recomputed" in p for p in report.problems)


def test_a_segment_with_a_bad_checkpoint_signature_or_none_is_refused(
    exported: tuple[DataSharing, Path], tokens: Tokens, tmp_path: Path
) -> None:
    ds, jwks = exported
    segment, _ = _exported(ds, tokens, tmp_path, from_seq=1, to_seq=12)
    keys = public_keys_from_jwks(json.loads(jwks.read_text()))
    assert verify_segment(segment, keys).valid
    forged = json.loads(json.dumps(segment))
    forged["checkpoints"][1]["checkpoint"]["seq"] = 12  # claims the unsigned tail
    report = verify_segment(forged, keys)
    assert not report.valid and any("refused" in p and "signature" in p for p in report.problems)

    # Without checkpoints in the segment, one the party holds itself (from the archive) is enough.
    tail, path = _exported(ds, tokens, tmp_path, from_seq=11, to_seq=12)
    assert tail["checkpoints"] == []
    done = _offline(path, "--public-key", str(jwks))
    assert done.returncode == 1 and "no valid checkpoint covers this segment" in done.stdout
    bare = json.loads(json.dumps(segment))
    bare["checkpoints"] = []
    bare_path = tmp_path / "bare.json"
    bare_path.write_text(json.dumps(bare, ensure_ascii=False))
    archive = tmp_path / "archive.jsonl"
    archive.write_text("\n".join(json.dumps(c) for c in segment["checkpoints"]) + "\n")
    assert _offline(bare_path, "--public-key", str(jwks), "--checkpoint", str(archive)).returncode == 0


def test_the_export_is_bounded_and_for_the_admin(exported: tuple[DataSharing, Path], tokens: Tokens) -> None:
    ds, _ = exported
    too_many = ds.client.get("/api/v1/audit/export", headers=tokens.admin(), params={"from_seq": 1, "to_seq": 5000})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "to_seq", too_many.text
    backwards = ds.client.get("/api/v1/audit/export", headers=tokens.admin(), params={"from_seq": 9, "to_seq": 2})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to_seq"
    huge = ds.client.get("/api/v1/audit/export", headers=tokens.admin(), params={"from_seq": 10**20})
    assert huge.status_code == 422
    assert ds.client.get("/api/v1/audit/export", headers=tokens.person("11010519491231002X")).status_code == 403
    with ds.runtime.db.session() as session:  # junk planted among the database's copies is left out
        session.execute(
            text("INSERT INTO audit_checkpoints (seq, at, key_id, envelope) VALUES (3, now(), 'x', :e)"),
            {"e": "[1, 2]"},
        )
        session.execute(
            text("INSERT INTO audit_checkpoints (seq, at, key_id, envelope) VALUES (4, now(), 'x', :e)"),
            {"e": "not json"},
        )
    default = ds.client.get("/api/v1/audit/export", headers=tokens.admin())
    assert [e["seq"] for e in default.json()["entries"]] == list(range(1, 13))
    assert [c["checkpoint"]["seq"] for c in default.json()["checkpoints"]] == [5, 10]


def test_the_offline_verifier_needs_no_database() -> None:
    probe = (
        "import sys, data_sharing.audit.verify_segment; "
        "assert not {'sqlalchemy', 'psycopg', 'kafka'} & set(sys.modules), sorted(sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_a_forged_checkpoint_in_the_file_is_refused_by_verification(
    start_ds: Callable[..., DataSharing], new_database: Callable[[str], str], tokens: Tokens, tmp_path: Path
) -> None:
    archive = tmp_path / "cp.jsonl"
    ds = start_ds(new_database(f"ds_cpf_{uuid.uuid4().hex[:6]}"), audit_checkpoint_file=str(archive))
    audit, checkpointer = _parts(ds)
    _record(audit, 3)
    assert checkpointer.checkpoint_once() is not None
    forged = _signer().sign(seq=3, hash_="a" * 64, link="b" * 64, at=datetime.now(UTC))
    CheckpointFile(str(archive)).append(forged)
    result = _verify(ds, tokens)
    assert result["valid"] is True and result["checkpoint"]["seq"] == 3
    assert any("refused" in w for w in result["warnings"])
