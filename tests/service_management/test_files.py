"""gov_common.files: type by content, size limit, content address; local and S3 (moto) backends."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from gov_common.errors import InvalidField
from gov_common.files import FileNotFound, FileStore, FileTooLarge, UnsupportedFileType, file_store_from_url

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def _exercise(store: FileStore) -> None:
    stored = store.put(PDF)
    assert stored.file_id == hashlib.sha256(PDF).hexdigest()
    assert stored.content_type == "application/pdf" and stored.size == len(PDF)
    assert store.get(stored.file_id) == PDF
    assert store.put(PDF) == stored  # same bytes, same address, stored once
    assert store.put(PNG).content_type == "image/png"
    assert store.put_stream(io.BytesIO(JPEG)).content_type == "image/jpeg"
    with pytest.raises(UnsupportedFileType):
        store.put(b"#!/bin/sh\nrm -rf /\n")  # declared as anything, it is not a PDF/JPEG/PNG
    with pytest.raises(UnsupportedFileType):
        store.put(b"PK\x03\x04" + b"\x00" * 100)  # a zip (e.g. .docx) is refused too
    with pytest.raises(FileTooLarge) as too_large:
        store.put(PDF + b"\x00" * 2048)
    assert too_large.value.status == 413 and too_large.value.field == "file"
    with pytest.raises(FileTooLarge):
        store.put_stream(io.BytesIO(PDF + b"\x00" * 2048))
    with pytest.raises(InvalidField):
        store.put(b"")
    with pytest.raises(FileNotFound):
        store.get("0" * 64)
    with pytest.raises(InvalidField):
        store.get("../../etc/passwd")
    assert not store.exists("../../etc/passwd")


def test_local_backend(tmp_path: Path) -> None:
    store = file_store_from_url(str(tmp_path / "files"), max_bytes=1024)
    _exercise(store)
    stored_paths = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert len(stored_paths) == 3 and all(len(p.name) == 64 for p in stored_paths)


def test_s3_backend_with_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="materials")
        store = file_store_from_url("s3://materials/sm", max_bytes=1024, s3_client=client)
        _exercise(store)
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="materials")["Contents"]]
        assert f"sm/{hashlib.sha256(PDF).hexdigest()}" in keys
        head = client.head_object(Bucket="materials", Key=f"sm/{hashlib.sha256(PDF).hexdigest()}")
        assert head["ContentType"] == "application/pdf"
