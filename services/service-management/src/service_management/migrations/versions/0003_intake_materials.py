"""Paper materials confirmed at the window, and supplement requests (补正) kept one row each.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_materials") as batch:
        batch.add_column(sa.Column("paper_received", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "supplement_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("materials", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("supplied_by", sa.String(100), nullable=True),
        sa.Column("supplied_at", UTCDateTime, nullable=True),
    )
    # The request a case waits for now was kept on the case itself: carry it over.
    op.execute(
        """
        INSERT INTO supplement_requests (case_id, materials, reason, requested_by, requested_at)
        SELECT c.id, c.supplement_codes, COALESCE(c.reason, ''),
               COALESCE((SELECT s.actor FROM case_steps s WHERE s.case_id = c.id
                         AND s.status = 'supplement_requested' ORDER BY s.id DESC LIMIT 1), ''),
               COALESCE(c.paused_at, c.updated_at)
        FROM cases c WHERE c.status = 'supplement_requested'
        """
    )


def downgrade() -> None:
    op.drop_table("supplement_requests")
    with op.batch_alter_table("case_materials") as batch:
        batch.drop_column("paper_received")
