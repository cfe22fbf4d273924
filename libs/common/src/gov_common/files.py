"""Material files: content-addressed storage of uploads (applicants' materials, staff attachments).

A file is identified by the SHA-256 of its bytes (its `file_id`, 64 lowercase hex digits), so the
same bytes are stored once and an id can never point at other content. Its type is decided by its
bytes, never by the name or the declared content type: only PDF, JPEG and PNG are accepted. Files
have no public URL; a service hands them out through its own authorised endpoint.

Two backends: a local directory (the default, `var/files`) and an S3-compatible object store
(`s3://bucket/prefix`; credentials and endpoint from the usual AWS settings, e.g.
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL` for MinIO or another S3 clone).

    store = file_store_from_url(settings.file_store_url, max_bytes=settings.file_max_bytes)
    stored = store.put(data)                  # raises FileTooLarge (413) / UnsupportedFileType (415)
    data = store.get(stored.file_id)          # raises FileNotFound (404)
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote

import filetype

from gov_common.errors import DomainError, InvalidField, NotFound

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ACCEPTED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_FILE_ID = re.compile(r"^[0-9a-f]{64}$")


class FileTooLarge(DomainError):
    status, title = 413, "Content Too Large"


class UnsupportedFileType(DomainError):
    status, title = 415, "Unsupported Media Type"


class FileNotFound(NotFound):
    pass


@dataclass(frozen=True)
class StoredFile:
    file_id: str  # the SHA-256 of the bytes, hex
    content_type: str
    size: int

    @property
    def extension(self) -> str:
        return ACCEPTED_TYPES[self.content_type]


class FileBackend(Protocol):
    def exists(self, file_id: str) -> bool: ...
    def write(self, file_id: str, data: bytes, content_type: str) -> None: ...
    def read(self, file_id: str) -> bytes | None: ...


def sniff_content_type(data: bytes) -> str | None:
    """The content type the bytes themselves show, if it is one we accept."""
    kind = filetype.guess(data[:8192])
    mime = getattr(kind, "mime", None)
    return mime if mime in ACCEPTED_TYPES else None


def check_file_id(file_id: str, *, field: str = "file_id") -> str:
    if not _FILE_ID.match(file_id):
        raise InvalidField(field, "文件编号应为文件的 SHA-256 摘要：64 位小写十六进制字符")
    return file_id


class FileStore:
    def __init__(self, backend: FileBackend, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.backend = backend
        self.max_bytes = max_bytes

    def put(self, data: bytes, *, field: str = "file") -> StoredFile:
        """Check and store the bytes; storing the same bytes again is harmless and gives the same id."""
        if len(data) > self.max_bytes:
            raise FileTooLarge(f"文件超过 {self.max_bytes} 字节的大小限制", field=field, max_bytes=self.max_bytes)
        if not data:
            raise InvalidField(field, "文件为空，请重新选择文件")
        content_type = sniff_content_type(data)
        if content_type is None:
            raise UnsupportedFileType("仅接受 PDF、JPEG 和 PNG 文件（按文件内容判断）", field=field)
        file_id = hashlib.sha256(data).hexdigest()
        if not self.backend.exists(file_id):
            self.backend.write(file_id, data, content_type)
        return StoredFile(file_id=file_id, content_type=content_type, size=len(data))

    def put_stream(self, stream: BinaryIO, *, field: str = "file") -> StoredFile:
        """Like put(), reading at most one byte more than the limit from a file-like object."""
        data = stream.read(self.max_bytes + 1)
        return self.put(data, field=field)

    def get(self, file_id: str) -> bytes:
        data = self.backend.read(check_file_id(file_id))
        if data is None:
            raise FileNotFound(f"file {file_id} not found", field="file_id")
        return data

    def describe(self, file_id: str) -> StoredFile:
        data = self.get(file_id)
        content_type = sniff_content_type(data) or "application/octet-stream"
        return StoredFile(file_id=file_id, content_type=content_type, size=len(data))

    def exists(self, file_id: str) -> bool:
        return bool(_FILE_ID.match(file_id)) and self.backend.exists(file_id)


class LocalFileBackend:
    """Files under a directory, fanned out by the first hex digits of their id."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, file_id: str) -> Path:
        check_file_id(file_id)
        return self.root / file_id[:2] / file_id[2:4] / file_id

    def exists(self, file_id: str) -> bool:
        return self._path(file_id).is_file()

    def write(self, file_id: str, data: bytes, content_type: str) -> None:
        path = self._path(file_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, then rename: a reader never sees half a file, and concurrent writers of the
        # same content simply replace each other with identical bytes.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, file_id: str) -> bytes | None:
        path = self._path(file_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None


class S3FileBackend:
    """An S3-compatible bucket; objects are `<prefix><file_id>` and never public."""

    def __init__(self, bucket: str, *, prefix: str = "", client: Any = None, endpoint_url: str | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, file_id: str) -> str:
        return f"{self.prefix}{check_file_id(file_id)}"

    def exists(self, file_id: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(file_id))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def write(self, file_id: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(file_id),
            Body=data,
            ContentType=content_type,
            ChecksumSHA256=_b64_sha256(data),
        )

    def read(self, file_id: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(file_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        body: bytes = response["Body"].read()
        return body


def _b64_sha256(data: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def file_store_from_url(
    url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, s3_endpoint_url: str | None = None, s3_client: Any = None
) -> FileStore:
    """`var/files`, `file:///srv/files` (a local directory) or `s3://bucket/prefix/` (S3-compatible)."""
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"no bucket in file store URL {url!r}")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        backend: FileBackend = S3FileBackend(bucket, prefix=prefix, client=s3_client, endpoint_url=s3_endpoint_url)
    else:
        root = url[len("file://") :] if url.startswith("file://") else url
        backend = LocalFileBackend(root)
    return FileStore(backend, max_bytes=max_bytes)


def attachment_disposition(name: str, *, ascii_name: str | None = None) -> str:
    """`Content-Disposition` of a download named `name` (Chinese allowed, RFC 6266 / RFC 5987), with
    an ASCII `filename` for clients that do not read `filename*` (by default `name` with the
    characters ASCII lacks replaced)."""
    fallback = (ascii_name or name.encode("ascii", "replace").decode()).replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
