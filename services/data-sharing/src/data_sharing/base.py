"""The declarative base of data-sharing's tables (each module keeps its own models)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
