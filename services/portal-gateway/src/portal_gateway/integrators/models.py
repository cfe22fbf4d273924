"""An integrator's client application: the client (in `client_applications`, which the token
endpoint authenticates) plus the profile the admin keeps about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gov_common.db import UTCDateTime
from portal_gateway.models import Base


class IntegratorProfile(Base):
    __tablename__ = "integrator_profiles"

    client_id: Mapped[str] = mapped_column(ForeignKey("client_applications.client_id"), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
