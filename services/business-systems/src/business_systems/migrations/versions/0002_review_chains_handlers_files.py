"""Review chains and their actions, item handler findings, the case clock, staff attachments.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_EMPTY_LIST = sa.text("'[]'")
# Cases pending from before chains existed are at the one step of the default chain.
_DEFAULT_CHAIN = [{"name": "approve", "role": "reviewer"}]


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("materials", sa.JSON, nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(sa.Column("bundle", sa.JSON, nullable=True))
        batch.add_column(sa.Column("handler", sa.String(100), nullable=False, server_default="default"))
        batch.add_column(sa.Column("findings", sa.JSON, nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(sa.Column("chain", sa.JSON, nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(sa.Column("chain_version", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("current_step", sa.Integer, nullable=True))
        batch.add_column(sa.Column("current_step_name", sa.String(16), nullable=True))
        batch.add_column(sa.Column("current_step_role", sa.String(32), nullable=True))
        batch.add_column(sa.Column("due_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("clock_paused", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("remaining_working_days", sa.Integer, nullable=True))
        batch.add_column(sa.Column("clock_updated_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("license_content", sa.JSON, nullable=True))
        batch.add_column(sa.Column("received_by", sa.String(200), nullable=True))
        batch.create_index("ix_work_items_current_step", ["current_step"])
        batch.create_index("ix_work_items_current_step_role", ["current_step_role"])
    work_items = sa.table(
        "work_items",
        sa.column("status", sa.String),
        sa.column("chain", sa.JSON),
        sa.column("current_step", sa.Integer),
        sa.column("current_step_name", sa.String),
        sa.column("current_step_role", sa.String),
    )
    op.execute(
        work_items.update()
        .where(work_items.c.status == "pending")
        .values(chain=_DEFAULT_CHAIN, current_step=1, current_step_name="approve", current_step_role="reviewer")
    )

    op.create_table(
        "review_chains",
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("work_item_id", sa.Integer, sa.ForeignKey("work_items.id"), nullable=False, index=True),
        sa.Column("step_no", sa.Integer, nullable=False),
        sa.Column("step_name", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("by_sub", sa.String(100), nullable=False, index=True),
        sa.Column("by_name", sa.String(100), nullable=False),
        sa.Column("opinion", sa.Text, nullable=False),
        sa.Column("sent_back_to", sa.Integer, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("work_item_id", sa.Integer, sa.ForeignKey("work_items.id"), nullable=False, index=True),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("uploaded_by_sub", sa.String(100), nullable=False),
        sa.Column("uploaded_by_name", sa.String(100), nullable=False),
        sa.Column("uploaded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("work_item_id", "file_id", name="uq_attachments_work_item_file"),
    )


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("review_actions")
    op.drop_table("review_chains")
    with op.batch_alter_table("work_items") as batch:
        batch.drop_index("ix_work_items_current_step_role")
        batch.drop_index("ix_work_items_current_step")
        for column in (
            "received_by",
            "license_content",
            "clock_updated_at",
            "remaining_working_days",
            "clock_paused",
            "due_at",
            "current_step_role",
            "current_step_name",
            "current_step",
            "chain_version",
            "chain",
            "findings",
            "handler",
            "bundle",
            "materials",
        ):
            batch.drop_column(column)
