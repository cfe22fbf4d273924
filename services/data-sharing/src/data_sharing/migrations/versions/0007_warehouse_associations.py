"""The warehouse's "you may also need" summary (docs/warehouse.md): the pseudonymous applicant key and the
filing moment of a case fact, each applicant's first filing per item, and the item → next item counts.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wh_case") as batch:
        batch.add_column(sa.Column("applicant_key", sa.String(32)))
        batch.add_column(sa.Column("filed_at", UTCDateTime()))
    op.create_table(
        "wh_applicant",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("applicant_key", sa.String(32), primary_key=True),
    )
    op.create_table(
        "wh_applicant_item",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("applicant_key", sa.String(32), primary_key=True),
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("first_filed_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "wh_item_applicants",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("applicants", sa.Integer(), nullable=False),
    )
    op.create_table(
        "wh_item_pair",
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("item_code", sa.String(64), primary_key=True),
        sa.Column("next_item_code", sa.String(64), primary_key=True),
        sa.Column("applicants", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for name in ("wh_item_pair", "wh_item_applicants", "wh_applicant_item", "wh_applicant"):
        op.drop_table(name)
    with op.batch_alter_table("wh_case") as batch:
        batch.drop_column("filed_at")
        batch.drop_column("applicant_key")
