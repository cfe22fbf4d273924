"""A case's materials: uploaded files or licence references confirmed by data-sharing, and what is still missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.errors import InvalidField
from service_management.models import (
    Case,
    CaseMaterial,
    Item,
    Upload,
)
from service_management.ports import Ports


@dataclass(frozen=True)
class MaterialRef:
    code: str
    file_id: str | None = None
    license_no: str | None = None


def _min_trust_level(levels: list[str]) -> str:
    return max(levels or ["B"])  # "A" is the highest level; the weakest accepted one is the minimum


def attach_materials(
    session: Session,
    ports: Ports,
    *,
    case: Case,
    item: Item,
    refs: list[MaterialRef],
    uploader_subs: set[str],
    actor: str,
    field: str = "materials",
    now: dt.datetime,
) -> None:
    """Attach uploaded files or licence references to the case's materials (replacing earlier ones)."""
    specs = {m["code"]: m for m in item.materials}
    existing = {m.code: m for m in session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id))}
    for n, ref in enumerate(refs):
        path = f"{field}[{n}]"
        spec = specs.get(ref.code)
        if spec is None:
            raise InvalidField(f"{path}.code", f"the item asks for no material {ref.code}")
        if (ref.file_id is None) == (ref.license_no is None):
            raise InvalidField(path, "give either file_id (an upload) or license_no (a licence you hold)")
        content_type = None
        if ref.file_id is not None:
            upload = session.scalars(
                select(Upload).where(Upload.file_id == ref.file_id, Upload.owner_sub.in_(uploader_subs))
            ).first()
            if upload is None:
                raise InvalidField(f"{path}.file_id", "no such upload of yours; upload the file first")
            content_type = upload.content_type
        else:
            if not spec.get("license_type"):
                raise InvalidField(f"{path}.license_no", f"material {ref.code} cannot be replaced by a licence")
            check = ports.licences.check(
                license_no=str(ref.license_no),
                holder_id_number=case.applicant_id_number,
                accepted_types=[spec["license_type"]],
                min_trust_level=_min_trust_level(spec.get("accepted_trust_levels") or []),
            )
            if not check.usable:
                raise InvalidField(f"{path}.license_no", f"the licence cannot stand for this material: {check.reason}")
        row = existing.get(ref.code)
        if row is None:
            row = CaseMaterial(case_id=case.id, code=ref.code, name=spec["name"], provided_by=actor)
            session.add(row)
            existing[ref.code] = row
        row.file_id, row.license_no, row.content_type = ref.file_id, ref.license_no, content_type
        row.provided_by, row.provided_at = actor, now
    session.flush()


def missing_materials(session: Session, *, case: Case, item: Item) -> list[dict[str, Any]]:
    """Required materials not yet satisfied. An electronic material without a licence type is
    produced by the application itself (the form, the real-name identity) and always satisfied."""
    have = {m.code for m in session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id))}
    return [
        m
        for m in item.materials
        if m.get("required", True)
        and m["code"] not in have
        and not (m["form"] == "electronic" and not m.get("license_type"))
    ]


def auto_acceptable(item: Item) -> bool:
    """Online applications are accepted at once only for items whose materials are all electronic."""
    return all(m["form"] == "electronic" for m in item.materials if m.get("required", True))
