"""Stock opinions (常用意见) a department admin keeps for the reviewers, replacing the setting's.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_opinion_lists",
        sa.Column("department_code", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "stock_opinions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "department_code",
            sa.String(32),
            sa.ForeignKey("stock_opinion_lists.department_code", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.UniqueConstraint("department_code", "action", "text", name="uq_stock_opinions_text"),
    )
    op.create_index("ix_stock_opinions_department_code", "stock_opinions", ["department_code"])


def downgrade() -> None:
    op.drop_index("ix_stock_opinions_department_code", table_name="stock_opinions")
    op.drop_table("stock_opinions")
    op.drop_table("stock_opinion_lists")
