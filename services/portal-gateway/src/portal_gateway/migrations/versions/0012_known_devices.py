"""Known devices (device cookies) for the failed-log-in throttle, and the device a failure came from.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_devices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("token_generation", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_known_devices_account_id", "known_devices", ["account_id"])
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("device_id", sa.String(36), nullable=True))
        batch.create_index("ix_login_failures_device_id", ["device_id"])


def downgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_index("ix_login_failures_device_id")
        batch.drop_column("device_id")
    op.drop_table("known_devices")
