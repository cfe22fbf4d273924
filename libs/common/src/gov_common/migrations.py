"""Alembic helpers: each service keeps its own migrations; these run them on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from gov_common.db import UTCDateTime

log = logging.getLogger("gov_common.migrations")


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    if url.startswith("sqlite") and "///" in url:
        path = url.split("///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    log.info("migrating %s to %s", script_location.parent.name, revision)
    config = alembic_config(script_location, url)
    if not url.startswith("postgresql"):
        command.upgrade(config, revision)
        return
    # Replicas starting together (init containers) take turns instead of racing on the DDL.
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(hashtext('gov-migrations'))"))
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(hashtext('gov-migrations'))"))
                connection.commit()
    finally:
        engine.dispose()


def run_env(target_metadata: Any = None) -> None:
    """The body of every service's migrations/env.py."""
    from alembic import context

    config = context.config
    shared = config.attributes.get("connection")
    if shared is not None:  # upgrade() holds the migration lock on this connection
        context.configure(connection=shared, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set for the migrations")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_messaging_tables(op: Any) -> None:
    """The outbox and inbox every service has (see gov_common.messaging)."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("handled_at", UTCDateTime, nullable=False),
    )


OUTBOX_EVENT_TOPIC = "uq_outbox_event_topic"


def outbox_event_per_topic(op: Any) -> None:
    """An event may go on several topics, one outbox row on each (gov_common.messaging.emit: a dispatch on
    gov.case.v1 and on its department's topic): the outbox's rows are unique per event and topic, no longer
    per event. Each service's migration after its messaging tables. PostgreSQL builds the new index while the
    outbox takes no rows (seconds for the millions a week's retention may hold)."""
    if op.get_bind().dialect.name == "sqlite":
        # create_messaging_tables left SQLite's constraint unnamed: the batch names what it reflects.
        with op.batch_alter_table("outbox", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch:
            batch.drop_constraint("uq_outbox_event_id", type_="unique")
            batch.create_unique_constraint(OUTBOX_EVENT_TOPIC, ["event_id", "topic"])
        return
    op.drop_constraint("outbox_event_id_key", "outbox", type_="unique")
    op.create_unique_constraint(OUTBOX_EVENT_TOPIC, "outbox", ["event_id", "topic"])


def outbox_event_once(op: Any) -> None:
    """outbox_event_per_topic undone (fails while an event has rows on two topics)."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(OUTBOX_EVENT_TOPIC, type_="unique")
        batch.create_unique_constraint(
            "outbox_event_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_outbox_event_id", ["event_id"]
        )


def create_inbox_age_index(op: Any) -> None:
    """The index on the inbox's handled_at that the relay's purge of old rows goes by (INBOX_RETENTION_HOURS,
    gov_common.messaging.purge_inbox); each service's migration after its messaging tables. Built in the
    migration's transaction: the inbox takes no rows while it is built (seconds for millions of rows). Not
    CONCURRENTLY: that waits for every other transaction, among them a replica's waiting for the migration
    lock (`upgrade`), which waits for this one: a deadlock."""
    op.create_index("ix_inbox_handled_at", "inbox", ["handled_at"])


def drop_inbox_age_index(op: Any) -> None:
    op.drop_index("ix_inbox_handled_at", table_name="inbox")


def drop_messaging_tables(op: Any) -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_published_at", "outbox")
    op.drop_table("outbox")
