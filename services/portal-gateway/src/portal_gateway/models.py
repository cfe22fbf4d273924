"""The gateway's tables: accounts (natural persons, legal persons and staff)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, false
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
