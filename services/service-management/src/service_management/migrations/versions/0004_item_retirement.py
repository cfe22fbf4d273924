"""Items: when a version last changed (`updated_at`), and why, when and by whom it was retired.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("updated_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("retired_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.String(500), nullable=True))
    # The last change known before this revision: publication, else creation.
    op.execute("UPDATE items SET updated_at = COALESCE(published_at, created_at)")


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("retired_reason")
        batch.drop_column("retired_by")
        batch.drop_column("retired_at")
        batch.drop_column("updated_at")
