"""The UI's checked-in OpenAPI documents (ui/openapi/*.json, the source of its generated wire types) are what
the apps build: a changed endpoint or schema without `make openapi` fails here."""

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


def test_the_ui_openapi_documents_are_current() -> None:
    stale = _export_module().stale()
    assert stale == [], f"stale under ui/openapi: {stale}; run make openapi, commit ui/openapi and ui/src/api/generated"


def test_every_service_document_is_exported_with_schemas(tmp_path: Path) -> None:
    documents = _export_module().build_documents(tmp_path)
    assert sorted(documents) == ["business-systems", "data-sharing", "portal-gateway", "service-management"]
    for name, document in documents.items():
        assert document["openapi"].startswith("3."), name
        assert document["components"]["schemas"], name
    # The gateway forwards /api/v1/... under the same path: a service's paths are the ones the UI calls.
    assert "post" in documents["service-management"]["paths"]["/api/v1/items"]
    assert "get" in documents["business-systems"]["paths"]["/api/v1/worklist"]
    assert "get" in documents["data-sharing"]["paths"]["/api/v1/licenses/{license_no}"]
    assert "post" in documents["portal-gateway"]["paths"]["/api/v1/auth/register"]
