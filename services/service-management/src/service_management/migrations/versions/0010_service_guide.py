"""The national service guide's remaining fields of an item (`guide`), the bodies a department's refusals
name for reconsideration and litigation, the deadline of a supplement request, a bad rating's reasons.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("guide", sa.JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("reconsideration_body", sa.String(100), nullable=True))
        batch.add_column(sa.Column("litigation_court", sa.String(100), nullable=True))
    with op.batch_alter_table("supplement_requests") as batch:
        batch.add_column(sa.Column("due_date", sa.Date, nullable=True))
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("reasons", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("reasons")
    with op.batch_alter_table("supplement_requests") as batch:
        batch.drop_column("due_date")
    with op.batch_alter_table("departments") as batch:
        batch.drop_column("litigation_court")
        batch.drop_column("reconsideration_body")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("guide")
