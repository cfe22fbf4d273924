"""Integrators' client applications: the profile the admin keeps beside each client.

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
    op.create_table(
        "integrator_profiles",
        sa.Column("client_id", sa.String(64), sa.ForeignKey("client_applications.client_id"), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("integrator_profiles")
