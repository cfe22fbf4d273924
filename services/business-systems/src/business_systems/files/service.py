"""Attaching files to a work item and handing them out, only to those who may see them.

Who may: the department's staff who handle the case (a role of one of its chain's steps, or the
department admin) and the case's applicant. The type is decided by the bytes; the name's
extension and the declared content type must agree with them.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from business_systems.models import Attachment, WorkItem
from business_systems.review.service import STATUS_LABELS, Status, get_work_item
from gov_common.auth import Principal, Roles
from gov_common.errors import Conflict, Forbidden, InvalidField, NotFound
from gov_common.files import FileStore, FileTooLarge, UnsupportedFileType, check_file_id, sniff_content_type

log = logging.getLogger("business_systems.files")

EXTENSIONS = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
_KIND = {"application/pdf": " PDF 文档", "image/jpeg": " JPEG 图片", "image/png": " PNG 图片"}
# What clients send when they do not know; anything else must agree with the bytes.
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf"}


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    data: bytes


def handles(principal: Principal, work: WorkItem) -> bool:
    """Staff of the case's department with a role in its chain, or the department admin."""
    if principal.department != work.department_code:
        return False
    return principal.has_role(Roles.DEPARTMENT_ADMIN, *{step["role"] for step in work.chain})


def _clean_name(name: str | None) -> str:
    # Only the last path component of what the client sent; no control characters.
    base = posixpath.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if not base or len(base) > 255 or base.startswith("."):
        raise InvalidField("file", "文件名应为 1 至 255 个字符，如 现场核查记录.pdf")
    return base


def attach(
    session: Session,
    *,
    store: FileStore,
    principal: Principal,
    case_no: str,
    department_code: str,
    name: str | None,
    declared_type: str | None,
    data: bytes,
) -> Attachment:
    work = get_work_item(
        session, principal=principal, case_no=case_no, department_code=department_code, for_update=True
    )
    if not handles(principal, work):
        raise Forbidden("仅承办本办件的工作人员可以上传附件")
    if work.status != Status.PENDING:
        raise Conflict(f"办件 {case_no} {STATUS_LABELS.get(work.status, work.status)}，案卷已关闭")
    filename = _clean_name(name)
    if len(data) > store.max_bytes:
        raise FileTooLarge(f"文件超过 {store.max_bytes} 字节的大小限制", field="file", max_bytes=store.max_bytes)
    if not data:
        raise InvalidField("file", "文件为空，请重新选择文件")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        raise UnsupportedFileType("仅接受 PDF、JPEG 和 PNG 文件（.pdf、.jpg、.jpeg、.png）", field="file")
    actual = sniff_content_type(data)
    if actual is None:
        raise UnsupportedFileType(
            f"{filename} 的扩展名表明是{_KIND[claimed]}，但其内容不是 PDF、JPEG 或 PNG 文件", field="file"
        )
    if actual != claimed:
        raise UnsupportedFileType(f"{filename} 的扩展名表明是{_KIND[claimed]}，但其内容是{_KIND[actual]}", field="file")
    declared = (declared_type or "").split(";")[0].strip().lower()
    declared = _ALIASES.get(declared, declared)
    if declared not in _UNDECLARED and declared != actual:
        raise UnsupportedFileType(f"{filename} 声明的类型为 {declared}，但其内容是{_KIND[actual]}", field="file")
    stored = store.put(data, field="file")
    existing = next((a for a in work.attachments if a.file_id == stored.file_id), None)
    if existing is not None:
        return existing  # the same bytes attached again
    attachment = Attachment(
        work_item_id=work.id,
        file_id=stored.file_id,
        name=filename,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by_sub=principal.sub,
        uploaded_by_name=principal.name,
    )
    session.add(attachment)
    session.flush()
    log.info("file %s attached to case %s by %s", stored.file_id, case_no, principal.name)
    return attachment


def _visible_work_item(session: Session, *, principal: Principal, case_no: str, department_code: str) -> WorkItem:
    """The work item if the caller is its applicant or handles it; 404 otherwise, as if absent."""
    work = session.scalars(select(WorkItem).where(WorkItem.case_no == case_no)).first()
    if work is None or work.department_code != department_code:
        raise NotFound(f"本部门未找到办件 {case_no}")
    applicant = principal.is_applicant and principal.sub == work.applicant.get("sub")
    if not applicant and not handles(principal, work):
        raise NotFound(f"本部门未找到办件 {case_no}")
    return work


def list_attachments(session: Session, *, principal: Principal, case_no: str, department_code: str) -> list[Attachment]:
    work = _visible_work_item(session, principal=principal, case_no=case_no, department_code=department_code)
    return list(
        session.scalars(select(Attachment).where(Attachment.work_item_id == work.id).order_by(Attachment.id)).all()
    )


def download(
    session: Session, *, store: FileStore, principal: Principal, case_no: str, department_code: str, file_id: str
) -> Download:
    work = _visible_work_item(session, principal=principal, case_no=case_no, department_code=department_code)
    attachment = session.scalars(
        select(Attachment).where(Attachment.work_item_id == work.id, Attachment.file_id == check_file_id(file_id))
    ).first()
    if attachment is None:
        raise NotFound(f"办件 {case_no} 没有编号为 {file_id} 的附件", field="file_id")
    return Download(name=attachment.name, content_type=attachment.content_type, data=store.get(file_id))
