"""The audit chain on SQLite and on PostgreSQL: entries link to each other; editing, deleting or
truncating rows directly in the database is detected and the first bad entry is named; the head is
signed, so a head rewritten to hide removed entries is refused (checkpoints: test_audit_checkpoints)."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

from data_sharing.app import migrate
from data_sharing.audit.canonical import canonical_json
from data_sharing.audit.chain import GENESIS, content
from data_sharing.audit.models import AuditEntry
from data_sharing.audit.service import Actor, AuditLog, record_reported_reads, verify_chain
from data_sharing.settings import Settings
from gov_common.db import Database
from gov_common.events import Event, EventTypes

READER = Actor(sub="client:app-1", kind="client", name="某集成应用", client_id="app-1")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        new_database: Callable[[str], str] = request.getfixturevalue("new_database")
        url = new_database(f"audit_{uuid.uuid4().hex[:8]}")
    migrate(Settings(database_url=url))
    database = Database(Settings(database_url=url).database_url)
    yield database
    database.dispose()


def _fill(audit: AuditLog, n: int) -> None:
    for i in range(n):
        audit.record(
            actor=READER,
            action="read",
            resource="population",
            fields=["name", "residence_address"],
            subject="11010519491231002X",
            purpose=f"核验 {i}",
        )


def _verify(db: Database, key: bytes) -> dict:  # type: ignore[type-arg]
    with db.session() as session:
        return verify_chain(session, key=key).model_dump()


KEY = b"k" * 32


def test_an_intact_chain_verifies_and_each_entry_links_to_the_one_before(db: Database) -> None:
    audit = AuditLog(db, KEY)
    _fill(audit, 5)
    result = _verify(db, KEY)
    assert result == {
        "valid": True,
        "entries_checked": 5,
        "head_seq": 5,
        "head_signed": True,
        "first_invalid": None,
        "problems": [],
        "checkpoint": None,
        "warnings": [],
    }
    with db.session() as session:
        rows = session.execute(text("SELECT seq, prev_hash, hash, link FROM audit_log ORDER BY seq")).all()
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert rows[0].prev_hash == GENESIS
        assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))
        # The public link is plain SHA-256 over the previous link and the canonical content.
        prev = GENESIS
        for entry in entries:
            assert entry.link == hashlib.sha256(prev.encode() + canonical_json(content(entry))).hexdigest()
            prev = entry.link


def test_an_entry_edited_in_the_database_is_named(db: Database) -> None:
    audit = AuditLog(db, KEY)
    _fill(audit, 6)
    with db.session() as session:
        session.execute(text("UPDATE audit_log SET purpose = '无' WHERE seq = 4"))
    result = _verify(db, KEY)
    assert result["valid"] is False
    assert result["first_invalid"]["seq"] == 4 and result["first_invalid"]["problem"] == "altered"
    assert result["entries_checked"] == 3


def test_an_edit_with_a_recomputed_plain_hash_is_still_detected(db: Database) -> None:
    """Someone who edits a row and recomputes its hash without the key cannot make it fit."""
    audit = AuditLog(db, KEY)
    _fill(audit, 3)
    with db.session() as session:
        session.execute(
            text("UPDATE audit_log SET subject = '110101198001010053', hash = :h WHERE seq = 2"),
            {"h": hashlib.sha256(b"forged").hexdigest()},
        )
    assert _verify(db, KEY)["first_invalid"] == {
        "seq": 2,
        "problem": "altered",
        "detail": "entry 2 was changed after it was written",
        "first_seq": None,
        "last_seq": None,
    }


def test_a_public_link_edited_in_the_database_is_named(db: Database) -> None:
    _fill(AuditLog(db, KEY), 3)
    with db.session() as session:
        session.execute(text("UPDATE audit_log SET link = :l WHERE seq = 2"), {"l": "a" * 64})
    problem = _verify(db, KEY)["first_invalid"]
    assert (problem["seq"], problem["problem"]) == (2, "altered") and "public link" in problem["detail"]


def test_a_deleted_entry_is_named(db: Database) -> None:
    audit = AuditLog(db, KEY)
    _fill(audit, 5)
    with db.session() as session:
        session.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    problem = _verify(db, KEY)["first_invalid"]
    assert problem["seq"] == 3 and problem["problem"] == "removed"
    assert (problem["first_seq"], problem["last_seq"]) == (3, 3)


def test_entries_removed_from_the_end_are_detected(db: Database) -> None:
    audit = AuditLog(db, KEY)
    _fill(audit, 5)
    with db.session() as session:
        session.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    problem = _verify(db, KEY)["first_invalid"]
    assert problem["problem"] == "truncated" and (problem["first_seq"], problem["last_seq"]) == (4, 5)
    assert problem["detail"] == "entries 4 to 5 were removed; the signed head names entry 5"


def test_a_head_rewritten_to_hide_removed_entries_does_not_carry_the_keys_mac(db: Database) -> None:
    """The attack of issue 12: delete the newest 3 and point the head at the new last row."""
    _fill(AuditLog(db, KEY), 9)
    with db.session() as session:
        session.execute(text("DELETE FROM audit_log WHERE seq >= 7"))
        session.execute(text("UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)"))
    result = _verify(db, KEY)
    assert result["valid"] is False and result["head_signed"] is False
    assert [(p["problem"], p["seq"]) for p in result["problems"]] == [("head_forged", 6)]
    with db.session() as session:  # nor can the MAC of an older head be moved onto the new one
        session.execute(text("UPDATE audit_head SET mac = :m"), {"m": "0" * 64})
    assert _verify(db, KEY)["problems"][0]["problem"] == "head_forged"


def test_deleting_every_entry_is_named_from_the_signed_head(db: Database) -> None:
    """Deleting the head too is what the checkpoints catch (test_audit_checkpoints)."""
    _fill(AuditLog(db, KEY), 4)
    with db.session() as session:
        session.execute(text("DELETE FROM audit_log"))
    problem = _verify(db, KEY)["first_invalid"]
    assert problem["problem"] == "truncated" and (problem["first_seq"], problem["last_seq"]) == (1, 4)


def test_an_older_head_put_back_is_named(db: Database) -> None:
    audit = AuditLog(db, KEY)
    _fill(audit, 3)
    with db.session() as session:
        old = session.execute(text("SELECT seq, hash, mac FROM audit_head")).one()
    _fill(audit, 2)
    with db.session() as session:
        session.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h, mac = :m"), {"s": old.seq, "h": old.hash, "m": old.mac}
        )
    problem = _verify(db, KEY)["first_invalid"]
    assert (problem["problem"], problem["seq"]) == ("head_forged", 3) and "goes on to 5" in problem["detail"]


def test_a_head_without_mac_is_signed_once_at_start_as_it_is(db: Database) -> None:
    """Heads written before migration 0004 have no MAC; the first start signs them."""
    audit = AuditLog(db, KEY)
    _fill(audit, 2)
    with db.session() as session:
        session.execute(text("UPDATE audit_head SET mac = NULL"))
    assert _verify(db, KEY)["head_signed"] is False
    assert audit.sign_unsigned_head() is True
    assert audit.sign_unsigned_head() is False
    assert _verify(db, KEY)["valid"] is True


def test_a_relinked_entry_is_named(db: Database) -> None:
    audit = AuditLog(db, KEY)
    _fill(audit, 4)
    with db.session() as session:
        session.execute(text("UPDATE audit_log SET prev_hash = :p WHERE seq = 3"), {"p": "f" * 64})
    assert _verify(db, KEY)["first_invalid"]["problem"] == "relinked"


def test_a_chain_checked_with_another_key_fails_at_its_first_entry(db: Database) -> None:
    _fill(AuditLog(db, KEY), 2)
    assert _verify(db, b"x" * 32)["first_invalid"]["seq"] == 1


def test_concurrent_appends_keep_one_unbroken_chain(db: Database) -> None:
    audit = AuditLog(db, KEY)
    second = AuditLog(db, KEY)  # another replica: its own process lock, the same database
    errors: list[BaseException] = []

    def work(log: AuditLog) -> None:
        try:
            _fill(log, 15)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(log,)) for log in (audit, second, audit, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = _verify(db, KEY)
    assert (result["valid"], result["entries_checked"], result["head_seq"], result["head_signed"]) == (
        True,
        60,
        60,
        True,
    )


def test_a_batch_of_reported_reads_is_one_append_that_keeps_the_chain(db: Database) -> None:
    """A consumer batch's gov.data.read events (service-management's reads of its credit copy) go to the
    log in one append: one INSERT of the entries, in order, each with its own event's trace id."""
    audit = AuditLog(db, KEY)
    _fill(audit, 2)
    events = [
        dataclasses.replace(
            Event.new(
                type=EventTypes.DATA_READ,
                source="/service-management",
                subject=f"1101051949123100{n}X",
                data={
                    "resource": "credit",
                    "fields": ["subject", "black_listed"],
                    "purpose": f"即办件审查 {n}",
                    "reader": "service-management",
                    "read_at": "2026-12-06T03:00:00+00:00",
                },
            ),
            traceparent=f"00-{n + 1:032x}-{n + 1:016x}-01" if n != 1 else None,
        )
        for n in range(4)
    ]
    inserts: list[str] = []
    sa_event.listen(
        db.engine, "before_cursor_execute", lambda *a: "INSERT INTO audit_log " in a[2] and inserts.append(a[2])
    )
    with db.session() as session:
        record_reported_reads(session, events, audit)
    assert len(inserts) == 1
    with db.session() as session:
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.subject, AuditEntry.purpose, AuditEntry.request_id).order_by(
                AuditEntry.seq
            )
        ).all()
    assert [(r.seq, r.subject, r.purpose) for r in rows[2:]] == [
        (3 + n, f"1101051949123100{n}X", f"即办件审查 {n}") for n in range(4)
    ]
    assert [r.request_id for r in rows[2:]] == [f"{1:032x}", None, f"{3:032x}", f"{4:032x}"]
    _fill(audit, 1)  # and the chain goes on from the batch's last entry
    result = _verify(db, KEY)
    assert (result["valid"], result["entries_checked"], result["head_seq"], result["head_signed"]) == (True, 7, 7, True)


def test_the_audit_key_file_is_made_outside_production_and_read_as_hex_or_base64(tmp_path: Path) -> None:
    import base64
    import secrets

    from data_sharing.audit.chain import load_or_create_key

    made = tmp_path / "keys" / "audit-chain.key"
    key = load_or_create_key(str(made), create=True)
    assert len(key) == 32 and load_or_create_key(str(made), create=False) == key
    assert (made.stat().st_mode & 0o777) == 0o600
    raw = secrets.token_bytes(32)
    (tmp_path / "hex.key").write_text(raw.hex() + "\n")  # as scripts/deploy/gen-keys.sh writes it
    (tmp_path / "b64.key").write_text(base64.b64encode(raw).decode())
    assert load_or_create_key(str(tmp_path / "hex.key"), create=False) == raw
    assert load_or_create_key(str(tmp_path / "b64.key"), create=False) == raw
    with pytest.raises(FileNotFoundError):
        load_or_create_key(str(tmp_path / "missing.key"), create=False)
    (tmp_path / "short.key").write_text("abcd")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        load_or_create_key(str(tmp_path / "short.key"), create=False)


def test_migration_0004_backfills_the_links_of_existing_entries(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A log written before 0004 (no links, an unsigned head) verifies after it, links and all."""
    from datetime import UTC, datetime, timedelta

    from data_sharing.app import MIGRATIONS
    from data_sharing.audit.chain import entry_hash
    from gov_common.migrations import upgrade

    for kind in ("sqlite", "postgresql"):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'old.db'}"
        else:
            url = request.getfixturevalue("new_database")(f"audit_old_{uuid.uuid4().hex[:6]}")
        upgrade(MIGRATIONS, url, "0003")
        database = Database(Settings(database_url=url).database_url)
        prev, start = GENESIS, datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        with database.session() as session:
            for seq in (1, 2, 3):
                entry = AuditEntry(
                    seq=seq, at=start + timedelta(seconds=seq), actor_sub="staff-x", actor_kind="staff",
                    actor_name="王五", actor_department="amr", client_id=None, action="read",
                    resource="population", fields=["name"], subject="11010519491231002X", purpose=f"核验 {seq}",
                    outcome="allowed", reason=None, request_id=None, prev_hash=prev, hash="",
                )  # fmt: skip
                entry.hash = entry_hash(KEY, prev, entry)
                session.execute(
                    text(
                        "INSERT INTO audit_log (seq, at, actor_sub, actor_kind, actor_name, actor_department, "
                        "client_id, action, resource, fields, subject, purpose, outcome, reason, request_id, "
                        "prev_hash, hash) VALUES (:seq, :at, :actor_sub, :actor_kind, :actor_name, "
                        ":actor_department, :client_id, :action, :resource, :fields, :subject, :purpose, :outcome, "
                        ":reason, :request_id, :prev_hash, :hash)"
                    ),
                    {**content(entry), "at": entry.at, "fields": '["name"]', "prev_hash": prev, "hash": entry.hash},
                )
                prev = entry.hash
            session.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 3, :h)"), {"h": prev})
        upgrade(MIGRATIONS, url)
        before = _verify(database, KEY)
        assert [p["problem"] for p in before["problems"]] == ["head_forged"]  # no MAC yet
        assert before["head_signed"] is False and before["entries_checked"] == 3  # every link verified
        AuditLog(database, KEY).sign_unsigned_head()
        assert _verify(database, KEY)["valid"] is True
        _fill(AuditLog(database, KEY), 1)  # and the chain goes on from the backfilled links
        assert _verify(database, KEY)["entries_checked"] == 4
        database.dispose()
