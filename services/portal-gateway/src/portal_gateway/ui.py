"""Serves the built web UI (`ui/dist`, a Vue single-page application) at `/`.

A file of the build is answered as it is; any other path that is not the API's (a page of the
application such as `/verify/<license_no>`, the address a licence's QR code carries) is answered
with `index.html`, whose router shows the page. Paths of the API and of operations (`/api`,
`/healthz`, `/readyz`, `/metrics`, the OpenAPI documents) never reach it, so they answer exactly
as without a UI: unknown `/api/...` paths keep their 404 problem+json, wrong methods their 405.

The directory is `GW_UI_DIST`; unset, it is `<repository>/ui/dist` when that exists. Without a
built UI the gateway serves the API only.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Match, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

log = logging.getLogger("portal_gateway.ui")

UI_DIST_ENV = "GW_UI_DIST"
# services/portal-gateway/src/portal_gateway/ui.py -> the repository root (an editable install).
_REPOSITORY = Path(__file__).resolve().parents[4]
_RESERVED_PREFIXES = ("/api", "/internal", "/healthz", "/readyz", "/metrics")
# A missing file of the build is a 404, not the application's page (which would be HTML).
_STATIC_FILE = re.compile(
    r"\.(m?js|css|map|json|txt|xml|ico|png|jpe?g|gif|svg|webp|avif|woff2?|ttf|webmanifest)$", re.I
)
# The build's names under assets/ carry a content hash, so they may be cached for good.
_IMMUTABLE = "public, max-age=31536000, immutable"
# index.html is small and names the current build's assets: always revalidate it.
_DOCUMENT_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # blob: for images and frames only: the staff console previews a material (PNG, JPEG or PDF, sniffed
    # and re-typed by the page, never HTML) fetched with the token; nothing else may be framed.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "frame-src blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


def ui_directory() -> Path | None:
    """The built UI to serve, or None to serve the API only."""
    configured = os.environ.get(UI_DIST_ENV, "").strip()
    directory = Path(configured) if configured else _REPOSITORY / "ui" / "dist"
    if (directory / "index.html").is_file():
        return directory.resolve()
    if configured:
        log.warning("%s=%s has no index.html; the gateway serves the API only", UI_DIST_ENV, configured)
    return None


def _reserved(path: str, exact: frozenset[str]) -> bool:
    return path in exact or any(path == p or path.startswith(p + "/") for p in _RESERVED_PREFIXES)


class _SinglePageApp:
    """ASGI app: a file of the build, else index.html for a page of the application."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = StaticFiles(directory=directory, html=False, follow_symlink=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope["path_params"]["path"]).lstrip("/")
        response: Response
        try:
            response = await self.files.get_response(path, scope) if path else self._index()
            if path.startswith("assets/") and response.status_code in (200, 304):
                response.headers["Cache-Control"] = _IMMUTABLE
        except HTTPException as exc:
            if exc.status_code != 404 or path.startswith("assets/") or _STATIC_FILE.search(path):
                raise
            response = self._index()
        await response(scope, receive, send)

    def _index(self) -> Response:
        return FileResponse(self.directory / "index.html", media_type="text/html", headers=_DOCUMENT_HEADERS)


class _SinglePageRoute(Route):
    """Matches every GET/HEAD path except the API's and the operational ones, which then answer
    (404, 405) exactly as they would without this route."""

    def __init__(self, directory: Path, exact: frozenset[str]) -> None:
        super().__init__(
            "/{path:path}", endpoint=_SinglePageApp(directory), methods=["GET", "HEAD"], include_in_schema=False
        )
        self.exact = exact

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE and _reserved("/" + child_scope["path_params"]["path"], self.exact):
            return Match.NONE, {}
        return match, child_scope


def install_ui(app: FastAPI, directory: Path | None = None) -> None:
    """Serves the built UI at `/` when there is one; call after every other route is added."""
    directory = directory or ui_directory()
    if directory is None:
        log.info("no built UI (ui/dist); the gateway serves the API only")
        return
    exact = frozenset(
        p for p in (app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url) if p
    )
    app.router.routes.append(_SinglePageRoute(directory, exact))
    log.info("serving the web UI from %s", directory)
