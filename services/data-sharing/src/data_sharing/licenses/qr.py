"""QR codes of a licence's public verification URL (segno)."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno


def verification_url(public_base_url: str, license_no: str) -> str:
    """The public verification page (the UI's /verify/<no>, served by the gateway): what a phone scanning a
    printed code should open. Machines verify through GET /api/v1/licenses/<no>/verify."""
    return f"{public_base_url.rstrip('/')}/verify/{quote(license_no, safe='')}"


def qr_png(url: str, *, scale: int = 5) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 5) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=scale, border=4, xmldecl=True)
    return out.getvalue()
