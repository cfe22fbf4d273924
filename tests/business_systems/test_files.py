"""Staff attachments: the type decided by the bytes and agreeing with the name, a size limit, and
downloads only for the case's applicant and the staff who handle it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.business_systems.support import ITEM_FOOD, Department, Tokens, build_department

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    + b"\x00" * 32
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
HTML = b"<html><script>alert(1)</script></html>"


def _upload(
    amr: Department,
    case_no: str,
    name: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    role: str = "reviewer",
) -> httpx.Response:
    response: httpx.Response = amr.client.post(
        f"/api/v1/work-items/{case_no}/attachments", headers=amr.as_(role), files={"file": (name, data, content_type)}
    )
    return response


def test_staff_attach_a_file_and_only_the_applicant_and_handling_staff_download_it(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_FOOD, applicant_sub="applicant-1")
    response = _upload(amr, case_no, "现场核查记录.pdf", PDF, "application/pdf")
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert attachment["file_id"] == hashlib.sha256(PDF).hexdigest() and attachment["content_type"] == "application/pdf"
    assert attachment["uploaded_by"] == "reviewer-amr" and attachment["size"] == len(PDF)
    file_id = attachment["file_id"]
    assert _upload(amr, case_no, "again.pdf", PDF).json()["file_id"] == file_id  # the same bytes once

    staff = amr.client.get(f"/api/v1/work-items/{case_no}/attachments/{file_id}", headers=amr.as_("reviewer"))
    assert staff.status_code == 200 and staff.content == PDF
    assert staff.headers["content-type"] == "application/pdf"
    assert staff.headers["content-disposition"].startswith("attachment;")
    assert staff.headers["cache-control"] == "private, no-store"
    mine = amr.tokens.applicant("applicant-1")
    assert [a["name"] for a in amr.client.get(f"/api/v1/cases/{case_no}/attachments", headers=mine).json()] == [
        "现场核查记录.pdf"
    ]
    assert amr.client.get(f"/api/v1/cases/{case_no}/attachments/{file_id}", headers=mine).content == PDF
    detail = amr.client.get(f"/api/v1/work-items/{case_no}", headers=amr.as_("reviewer")).json()
    assert [a["file_id"] for a in detail["attachments"]] == [file_id]

    someone_else = amr.tokens.applicant("applicant-2", "110101199003077758")
    other_department = amr.tokens.staff("reviewer-psb", ["reviewer"], "psb")
    not_in_chain = amr.as_("approver")  # the default chain has no approver step
    for headers in (someone_else, other_department, not_in_chain, {}):
        response = amr.client.get(f"/api/v1/cases/{case_no}/attachments/{file_id}", headers=headers)
        assert response.status_code in (401, 404), (headers, response.status_code)
        assert response.content != PDF
    assert (
        amr.client.get(f"/api/v1/work-items/{case_no}/attachments/{file_id}", headers=someone_else).status_code == 403
    )
    assert (
        amr.client.get(f"/api/v1/work-items/{case_no}/attachments/{'0' * 64}", headers=amr.as_("reviewer")).status_code
        == 404
    )
    bad_id = amr.client.get(f"/api/v1/work-items/{case_no}/attachments/passwd", headers=amr.as_("reviewer"))
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "file_id"
    # Uploading is for the staff who handle it.
    assert _upload(amr, case_no, "x.pdf", PDF, role="approver").status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "declared", "words"),
    [
        ("scan.pdf", PNG, "application/pdf", "表明是 PDF 文档，但其内容是 PNG 图片"),
        ("photo.jpg", PDF, "image/jpeg", "表明是 JPEG 图片，但其内容是 PDF 文档"),
        ("report.pdf", HTML, "application/pdf", "其内容不是 PDF、JPEG 或 PNG 文件"),
        ("page.html", HTML, "text/html", "仅接受 PDF、JPEG 和 PNG"),
        ("photo.png", PNG, "application/pdf", "声明的类型为 application/pdf，但其内容是 PNG 图片"),
    ],
)
def test_an_upload_whose_bytes_are_not_what_its_name_claims_is_refused(
    amr: Department, name: str, data: bytes, declared: str, words: str
) -> None:
    case_no = amr.file(item_code=ITEM_FOOD)
    response = _upload(amr, case_no, name, data, declared)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "file" and words in response.json()["detail"]
    assert amr.client.get(f"/api/v1/work-items/{case_no}/attachments", headers=amr.as_("reviewer")).json() == []
    assert not any((amr.runtime.extras["file_store"].backend.root).rglob("*"))  # nothing stored


def test_jpeg_and_png_under_their_names_are_accepted(amr: Department) -> None:
    case_no = amr.file(item_code=ITEM_FOOD)
    assert _upload(amr, case_no, "门头照.JPEG", JPEG, "image/jpg").json()["content_type"] == "image/jpeg"
    assert _upload(amr, case_no, "平面图.png", PNG).json()["content_type"] == "image/png"


@pytest.fixture
def small_limit(tmp_path: Path, tokens: Tokens) -> Iterator[Department]:
    yield from build_department(tmp_path, tokens, code="amr", file_max_bytes=64)


def test_too_large_or_empty_files_and_decided_cases_are_refused(small_limit: Department) -> None:
    amr = small_limit
    case_no = amr.file(item_code=ITEM_FOOD)
    large = _upload(amr, case_no, "big.pdf", PDF + b"%" * 64)
    assert large.status_code == 413 and large.json()["errors"][0]["field"] == "file"
    assert _upload(amr, case_no, "empty.pdf", b"").status_code == 422
    hidden = _upload(amr, case_no, ".pdf", PDF)
    assert hidden.status_code == 422
    assert hidden.json()["errors"][0]["message"] == "文件名应为 1 至 255 个字符，如 现场核查记录.pdf"
    decided = amr.client.post(
        f"/api/v1/cases/{case_no}/decision", headers=amr.as_("reviewer"), json={"decision": "deny", "opinion": "不予"}
    )
    assert decided.status_code == 200
    assert _upload(amr, case_no, "late.pdf", PDF).status_code == 409


def test_attachments_go_to_an_s3_compatible_store_by_configuration(
    tmp_path: Path, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="gov-files")
        for amr in build_department(tmp_path, tokens, code="amr", file_store_url="s3://gov-files/amr/"):
            case_no = amr.file(item_code=ITEM_FOOD)
            file_id = _upload(amr, case_no, "记录.pdf", PDF).json()["file_id"]
            stored = s3.get_object(Bucket="gov-files", Key=f"amr/{file_id}")
            assert stored["Body"].read() == PDF and stored["ContentType"] == "application/pdf"
            download = amr.client.get(
                f"/api/v1/work-items/{case_no}/attachments/{file_id}", headers=amr.as_("reviewer")
            )
            assert download.content == PDF
