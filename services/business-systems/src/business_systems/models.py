"""A department's own data: work items (the cases dispatched to it), their review chain and the
actions taken on each step, the configured chains per item, and staff attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gov_common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class WorkItem(Base):
    __tablename__ = "work_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    department_code: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(64))
    item_version: Mapped[int] = mapped_column(Integer)
    item_name: Mapped[str] = mapped_column(String(200))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    # As dispatched: [{"code", "name", "license_no", "file_id", "paper_received", "provided_by"}] (the last
    # two only from events that carry them), and {"bundle_no", "branch"} or None.
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    bundle: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    license_spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, approved, denied
    # The item handler that took the case, and what its checks found on arrival.
    handler: Mapped[str] = mapped_column(String(100), default="default")
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The review chain as it was when the case arrived, and the 1-based step the case is at
    # (None once decided).
    chain: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    chain_version: Mapped[int] = mapped_column(Integer, default=0)
    current_step: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # The current step's name and role, copied from the chain so that work lists can filter on them.
    current_step_name: Mapped[str | None] = mapped_column(String(16), nullable=True)
    current_step_role: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # The case clock, as service-management reports it (gov.case.dispatched, gov.case.clock_changed).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clock_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    remaining_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The committed limit in working days the case was filed with (None: dispatched before it was kept).
    committed_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clock_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The explanation of an automated decision: which rule version, on which facts, said what.
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rule_inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rule_output: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The licence the approval produced (fields, trust level, validity), from the item's handler.
    license_content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="work_item", lazy="raise", order_by="ReviewAction.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="work_item", lazy="raise", order_by="Attachment.uploaded_at"
    )


class ReviewChain(Base):
    """The review steps the department admin configured for one item."""

    __tablename__ = "review_chains"

    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"name", "role"}], 1 to 3
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewAction(Base):
    """One action on one step of a work item's chain; never changed afterwards."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    step_no: Mapped[int] = mapped_column(Integer)
    step_name: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # pass, send_back, approve, deny
    by_sub: Mapped[str] = mapped_column(String(100), index=True)
    by_name: Mapped[str] = mapped_column(String(100))
    # The account's login name (reviewer-amr); None for actions recorded before it was kept.
    by_username: Mapped[str | None] = mapped_column(String(100), nullable=True)
    opinion: Mapped[str] = mapped_column(Text)
    sent_back_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work_item: Mapped[WorkItem] = relationship(back_populates="actions", lazy="raise")


class Attachment(Base):
    """A file staff attached to a work item; the bytes live in the file store under `file_id`."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("work_item_id", "file_id", name="uq_attachments_work_item_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_sub: Mapped[str] = mapped_column(String(100))
    uploaded_by_name: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work_item: Mapped[WorkItem] = relationship(back_populates="attachments", lazy="raise")


class StockOpinionList(Base):
    """That a department's stock opinions (常用意见) are its admin's own, no longer the setting's: once this row
    exists, the stored opinions are the whole list, an action left empty included."""

    __tablename__ = "stock_opinion_lists"

    department_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Raised on every change: an edit made on an older list is refused (409) instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockOpinion(Base):
    """One stock opinion a reviewer may pick for an action, at its place in that action's list."""

    __tablename__ = "stock_opinions"
    __table_args__ = (UniqueConstraint("department_code", "action", "text", name="uq_stock_opinions_text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_code: Mapped[str] = mapped_column(
        ForeignKey("stock_opinion_lists.department_code", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))  # pass, approve, deny, send_back
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
