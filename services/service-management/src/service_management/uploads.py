"""Reading multipart uploads with a size limit, before anything else looks at them."""

from __future__ import annotations

from fastapi import UploadFile

from gov_common.files import FileTooLarge

TABLE_MAX_BYTES = 5 * 1024 * 1024


async def read_upload(upload: UploadFile, *, max_bytes: int, field: str = "file") -> bytes:
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(f"文件超过 {max_bytes} 字节的大小限制", field=field, max_bytes=max_bytes)
    return data
