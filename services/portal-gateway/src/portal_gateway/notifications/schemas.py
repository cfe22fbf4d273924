from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(
        description="accepted, supplement_requested, rejected, approved, denied, concluded, license_issued, "
        "license_revoked, license_cancelled, license_expired or license_expiring"
    )
    title: str
    body: str
    case_no: str | None = Field(description="the case it is about, for a link to the case")
    license_no: str | None = Field(description="the licence it is about, for a link to the licence")
    item_code: str | None = Field(
        default=None, description="an item to apply for, for a link (the renewal item of an expiring licence)"
    )
    occurred_at: datetime = Field(description="when it happened (the event's time); the list is newest first")
    created_at: datetime = Field(description="when the notification was made")
    read_at: datetime | None
    read: bool


class UnreadCountOut(BaseModel):
    unread: int


class MarkedReadOut(BaseModel):
    marked: int = Field(description="how many notifications this call marked read")
    unread: int
