"""The gateway's tables: accounts (natural persons, legal persons and staff)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gov_common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_type: Mapped[str] = mapped_column(String(16))  # person, entity, staff
    # The login name: resident ID number, unified social credit code, or a staff user name.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Opened at the window with a one-time initial password: no token until it is replaced.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The staff user name of the clerk who opened the account at the window; None if self-registered.
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Its tokens carry this number (`tgen`); a password change or reset moves it on, ending the
    # account's other sessions (portal_gateway.revocation).
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last password reset at a window: by which clerk, when.
    password_reset_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Identity assurance (docs/identity.md, gov_common.auth.Assurance): 1, 2 or 3 for applicants.
    assurance_level: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # How the identity was last established: registry (name and number matched), unlisted (a number
    # the registry does not know), phone (L2 by a code to the registry's phone), window (document
    # checked in person), oidc (the provincial identity platform); None for staff and older accounts.
    identity_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Who raised it last (a clerk's user name, "sms", or the identity provider) and when.
    assurance_raised_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assurance_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # An account taken back by its owner from someone who registered it (squatting remedy).
    reclaimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reclaimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # An entity account: the account id of the legal representative who opened it.
    representative_account_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Staff second factor: the TOTP secret (base32) and when its enrolment was confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The time step (Unix time / 30) of the last code accepted: a code of it or an earlier step is
    # refused, so an overheard code cannot be used again (migration 0011).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    @property
    def id_number(self) -> str | None:
        return self.username if self.account_type in ("person", "entity") else None


class ClientApplication(Base):
    """A system that calls the APIs with its own identity (OAuth2 client credentials): a platform
    service calling another, or an integrator's application."""

    __tablename__ = "client_applications"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Its tokens carry this number (`tgen`); the gateway refuses those of an older generation.
    # Deactivation and secret rotation move it on, so old tokens do not live until they expire.
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """A failed log-in (wrong password or client secret), kept for the throttling window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The normalised user name, or "client:<client_id>" for the client-credentials grant.
    subject: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The known device (`KnownDevice.id`) the failure came from: counted against that device only.
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class KnownDevice(Base):
    """A browser or app an account has logged in from (an OWASP "device cookie"): the cookie holds
    a random token, the table its SHA-256. Log-ins from a known device are not held back by other
    callers' failed log-ins on the account; the device loses its standing after failures of its own."""

    __tablename__ = "known_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The account's token generation when the device was last used: a password change, a reset
    # at the window or a reclaim moves it on, and the device is a stranger again.
    token_generation: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PhoneChallenge(Base):
    """A one-time code sent to the phone the registry holds for a person (raising an account to L2)."""

    __tablename__ = "phone_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RateLimitHit(Base):
    """One counted request of a throttled kind (registration, tokens, codes, licence verification),
    in the gateway's database so that every replica counts the same."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class EntityAgent(Base):
    """A person a legal representative authorised to act for their entity (经办人)."""

    __tablename__ = "entity_agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_account_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id_number: Mapped[str] = mapped_column(String(18), index=True)
    person_name: Mapped[str] = mapped_column(String(100))
    granted_by: Mapped[str] = mapped_column(String(36))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ExternalIdentity(Base):
    """An account's link to an external identity provider's subject (OpenID Connect `iss` + `sub`)."""

    __tablename__ = "external_identities"

    provider: Mapped[str] = mapped_column(String(200), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OidcLogin(Base):
    """A sign-in through an identity provider under way: the state, the PKCE verifier and the nonce,
    kept between the redirect to the provider and its callback (any replica may take the callback)."""

    __tablename__ = "oidc_logins"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    return_to: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
