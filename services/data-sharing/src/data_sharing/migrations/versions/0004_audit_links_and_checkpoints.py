"""The audit log's keyless public links (backfilled), the head's MAC, and the copies of signed
checkpoints kept for exports (docs/audit.md).

Revision ID: 0004
Revises: 0003
"""

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_BATCH = 1000

_audit_log = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer),
    sa.column("at", UTCDateTime),
    sa.column("actor_sub", sa.String),
    sa.column("actor_kind", sa.String),
    sa.column("actor_name", sa.String),
    sa.column("actor_department", sa.String),
    sa.column("client_id", sa.String),
    sa.column("action", sa.String),
    sa.column("resource", sa.String),
    sa.column("fields", sa.JSON),
    sa.column("subject", sa.String),
    sa.column("purpose", sa.Text),
    sa.column("outcome", sa.String),
    sa.column("reason", sa.Text),
    sa.column("request_id", sa.String),
    sa.column("link", sa.String),
)


def _link(prev_link: str, row: Any) -> str:
    # Frozen copy of data_sharing.audit.canonical (form v1): the content as the application hashes it.
    content = {
        "seq": row.seq,
        "at": row.at.isoformat(),
        "actor_sub": row.actor_sub,
        "actor_kind": row.actor_kind,
        "actor_name": row.actor_name,
        "actor_department": row.actor_department,
        "client_id": row.client_id,
        "action": row.action,
        "resource": row.resource,
        "fields": list(row.fields),
        "subject": row.subject,
        "purpose": row.purpose,
        "outcome": row.outcome,
        "reason": row.reason,
        "request_id": row.request_id,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(prev_link.encode("ascii") + canonical.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("link", sa.String(64), nullable=True))
    # Links follow the entries as they are now, gaps and all: a gap stays visible to verification
    # (a missing seq), and an entry already altered keeps failing its HMAC.
    connection = op.get_bind()
    columns = [c for c in _audit_log.c if c.name != "link"]
    prev, after = GENESIS, 0
    while True:
        rows = connection.execute(
            sa.select(*columns).where(_audit_log.c.seq > after).order_by(_audit_log.c.seq).limit(_BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            prev = _link(prev, row)
            connection.execute(_audit_log.update().where(_audit_log.c.seq == row.seq).values(link=prev))
        after = rows[-1].seq
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("link", existing_type=sa.String(64), nullable=False)
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False, index=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("link")
