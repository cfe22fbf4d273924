"""The UI's checked-in OpenAPI document (ui/openapi/public.json, the source of its generated wire types) is what
the gateway serves at /openapi.json: a changed endpoint or schema without `make openapi` fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "export_openapi.py"


def _export_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("export_openapi", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ui_openapi_document_is_current() -> None:
    stale = _export_module().stale()
    assert stale == [], f"stale under ui/openapi: {stale}; run make openapi, commit ui/openapi and ui/src/api/generated"


def test_the_document_has_every_services_operations_at_their_public_paths() -> None:
    document = _export_module().public_document()
    assert document["openapi"].startswith("3.")
    assert document["components"]["schemas"]
    paths = document["paths"]
    assert "post" in paths["/api/v1/items"]  # service-management
    assert "get" in paths["/api/v1/worklist"]  # a department's business system
    assert "get" in paths["/api/v1/licenses/{license_no}"]  # data-sharing
    assert "post" in paths["/api/v1/auth/register"]  # the gateway's own
