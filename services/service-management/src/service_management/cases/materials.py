"""A case's materials: uploaded files, licence references confirmed by data-sharing, or paper
materials a window clerk confirms having seen or received; and what is still missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gov_common.errors import InvalidField
from service_management.cases.schemas import MaterialRefIn
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
    paper_received: bool = False


def refs(materials: list[MaterialRefIn]) -> list[MaterialRef]:
    """The materials as the API names them, as filing and intake take them."""
    return [
        MaterialRef(code=m.code, file_id=m.file_id, license_no=m.license_no, paper_received=m.paper_received)
        for m in materials
    ]


PAPER_FORMS = ("original", "copy")


@dataclass(frozen=True)
class LicenceQuery:
    license_no: str
    holder_id_number: str
    accepted_types: tuple[str, ...]
    min_trust_level: str


def min_trust_level(levels: list[str]) -> str:
    return max(levels or ["B"])  # "A" is the highest level; the weakest accepted one is the minimum


def licence_query(spec: Mapping[str, Any] | None, license_no: str | None, holder: str) -> LicenceQuery | None:
    """The check a licence named for a material needs; None where intake refuses the reference itself."""
    if spec is None or license_no is None or not spec.get("license_type"):
        return None
    return LicenceQuery(
        license_no=str(license_no),
        holder_id_number=holder,
        accepted_types=(spec["license_type"],),
        min_trust_level=min_trust_level(spec.get("accepted_trust_levels") or []),
    )


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
    paper_confirmer: bool = False,
    now: dt.datetime,
    new_case: bool = False,
) -> list[CaseMaterial]:
    """Attach uploaded files, licence references or a clerk's confirmation of the paper to the
    case's materials (replacing earlier ones). Only a window clerk (`paper_confirmer`) confirms paper.
    Returns the case's materials (`new_case`: the case is being filed and has none yet)."""
    if new_case and not refs:
        return []
    specs = {m["code"]: m for m in item.materials}
    existing: dict[str, CaseMaterial] = (
        {}
        if new_case
        else {m.code: m for m in session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id))}
    )
    for n, ref in enumerate(refs):
        path = f"{field}[{n}]"
        spec = specs.get(ref.code)
        if spec is None:
            raise InvalidField(f"{path}.code", f"本事项没有材料 {ref.code}", code="material_unknown")
        given = [ref.file_id is not None, ref.license_no is not None, ref.paper_received]
        if sum(given) != 1:
            raise InvalidField(
                path,
                "请上传文件（file_id）或填写持有的电子证照编号（license_no），二选一；"
                "窗口收取纸质材料时填写 paper_received",
                code="material_one_of",
            )
        content_type = None
        if ref.paper_received:
            if not paper_confirmer:
                raise InvalidField(f"{path}.paper_received", "仅窗口人员可以确认纸质材料", code="paper_clerk_only")
            if spec["form"] not in PAPER_FORMS:
                raise InvalidField(
                    f"{path}.paper_received",
                    f"材料 {ref.code} 为电子材料：请上传扫描件或填写电子证照编号",
                    code="paper_not_for_electronic",
                )
        elif ref.file_id is not None:
            upload = session.scalars(
                select(Upload).where(Upload.file_id == ref.file_id, Upload.owner_sub.in_(uploader_subs))
            ).first()
            if upload is None:
                raise InvalidField(f"{path}.file_id", "未找到您上传的该文件，请先上传文件", code="upload_not_found")
            content_type = upload.content_type
        else:
            if not spec.get("license_type"):
                raise InvalidField(
                    f"{path}.license_no",
                    f"材料 {ref.code} 不能以电子证照代替",
                    code="material_not_licensable",
                )
            # The same query the endpoint fetched before the transaction (cases/prefetch.py).
            query = licence_query(spec, ref.license_no, case.applicant_id_number)
            assert query is not None
            check = ports.licences.check(
                license_no=query.license_no,
                holder_id_number=query.holder_id_number,
                accepted_types=list(query.accepted_types),
                min_trust_level=query.min_trust_level,
            )
            if not check.usable:
                raise InvalidField(
                    f"{path}.license_no",
                    f"该电子证照不能代替本项材料：{check.reason}",
                    code="licence_not_usable",
                )
        row = existing.get(ref.code)
        if row is None:
            row = CaseMaterial(case_id=case.id, code=ref.code, name=spec["name"], provided_by=actor)
            session.add(row)
            existing[ref.code] = row
        row.file_id, row.license_no, row.content_type = ref.file_id, ref.license_no, content_type
        row.paper_received = ref.paper_received
        row.provided_by, row.provided_at = actor, now
    session.flush()
    return list(existing.values())


_FILED = "service_management.filed_materials"


def filed_materials(session: Session) -> dict[int, list[CaseMaterial]]:
    """{case id: its materials} for the cases being filed in this unit of work (all they have)."""
    filed: dict[int, list[CaseMaterial]] = session.info.setdefault(_FILED, {})
    return filed


def case_materials(session: Session, case: Case) -> list[CaseMaterial]:
    """The case's materials: those just attached when it is being filed, else read."""
    known = session.info.get(_FILED, {}).get(case.id)
    if known is not None:
        return list(known)
    return list(session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id)).all())


def produced_by_filing(case: Case, material: dict[str, Any]) -> bool:
    """Online, an electronic material without a licence type is produced by the filing itself (the
    form filled in, the real-name login). At the window nothing is: the signed form is scanned."""
    return case.channel == "online" and material["form"] == "electronic" and not material.get("license_type")


def satisfies(row: CaseMaterial, material: dict[str, Any]) -> bool:
    """A file, a licence, or (for a paper original or copy) the clerk's confirmation."""
    return bool(row.file_id or row.license_no) or (row.paper_received and material["form"] in PAPER_FORMS)


def missing_materials(
    session: Session, *, case: Case, item: Item, provided: list[CaseMaterial] | None = None
) -> list[dict[str, Any]]:
    """Required materials not yet provided (`provided`: the case's rows when the caller has them);
    the same rule for both channels (see `produced_by_filing`)."""
    if provided is None:
        provided = list(session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case.id)))
    rows = {m.code: m for m in provided}
    return [
        m
        for m in item.materials
        if m.get("required", True)
        and not produced_by_filing(case, m)
        and not (m["code"] in rows and satisfies(rows[m["code"]], m))
    ]


def auto_acceptable(item: Item) -> bool:
    """Online applications are accepted at once only for items whose materials are all electronic."""
    return all(m["form"] == "electronic" for m in item.materials if m.get("required", True))
