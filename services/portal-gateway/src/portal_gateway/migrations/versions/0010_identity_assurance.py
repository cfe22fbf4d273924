"""Identity assurance (docs/identity.md): levels on accounts, one-time phone codes, front-door
rate limits, entity agents, external identities and OpenID Connect sign-ins, staff TOTP.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from gov_common.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("assurance_level", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("identity_source", sa.String(16), nullable=True))
        batch.add_column(sa.Column("assurance_raised_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("assurance_raised_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("reclaimed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reclaimed_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("representative_account_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_confirmed_at", UTCDateTime, nullable=True))
    op.create_table(
        "phone_challenges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_rate_limit_hits_bucket_key_at", "rate_limit_hits", ["bucket", "key", "at"])
    op.create_index("ix_rate_limit_hits_at", "rate_limit_hits", ["at"])
    op.create_index("ix_phone_challenges_account_id", "phone_challenges", ["account_id"])
    op.create_table(
        "entity_agents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity_account_id", sa.String(36), nullable=False),
        sa.Column("person_id_number", sa.String(18), nullable=False),
        sa.Column("person_name", sa.String(100), nullable=False),
        sa.Column("granted_by", sa.String(36), nullable=False),
        sa.Column("granted_at", UTCDateTime, nullable=False),
        sa.Column("revoked_by", sa.String(36), nullable=True),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_entity_agents_entity_account_id", "entity_agents", ["entity_account_id"])
    op.create_index("ix_entity_agents_person_id_number", "entity_agents", ["person_id_number"])
    op.create_table(
        "external_identities",
        sa.Column("provider", sa.String(200), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_login_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_external_identities_account_id", "external_identities", ["account_id"])
    op.create_table(
        "oidc_logins",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("return_to", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("oidc_logins", "external_identities", "entity_agents", "rate_limit_hits", "phone_challenges"):
        op.drop_table(table)
    with op.batch_alter_table("accounts") as batch:
        for column in (
            "totp_confirmed_at",
            "totp_secret",
            "representative_account_id",
            "reclaimed_at",
            "reclaimed_by",
            "assurance_raised_at",
            "assurance_raised_by",
            "identity_source",
            "assurance_level",
        ):
            batch.drop_column(column)
