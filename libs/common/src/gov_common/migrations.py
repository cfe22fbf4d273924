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
