"""Electronic-licence library; outbox and inbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime
from gov_common.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licenses",
        sa.Column("license_no", sa.String(64), primary_key=True),
        sa.Column("license_type", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder_id_number", sa.String(18), nullable=False, index=True),
        sa.Column("holder_name", sa.String(100), nullable=False),
        sa.Column("holder_type", sa.String(16), nullable=False),
        sa.Column("issuer_department", sa.String(32), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False, unique=True),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("valid_until", UTCDateTime, nullable=True),
        sa.Column("signature_alg", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    op.drop_table("licenses")
