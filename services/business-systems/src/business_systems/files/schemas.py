from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    file_id: str = Field(description="the SHA-256 of the bytes")
    name: str
    content_type: str = Field(description="decided by the bytes: application/pdf, image/jpeg or image/png")
    size: int
    uploaded_by: str = Field(validation_alias="uploaded_by_name")
    uploaded_at: datetime
