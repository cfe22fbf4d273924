"""Writes `services.openapi.json` (portal_gateway.routes.contract) from the services' own apps:

    .venv/bin/python -m portal_gateway.routes.generate
    .venv/bin/python -m portal_gateway.routes.generate --public openapi.json   # the merged public document

Run it in the development environment, where every service is installed (the gateway's image is not:
this module imports the services only when run), after changing a service's API; a test
(tests/gateway/test_public_openapi.py) fails while the checked-in file differs from what this writes.
The business systems' common API is one department's app: every department runs the same code."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from portal_gateway.routes.contract import SERVICES_DOCUMENT, annotate

BUSINESS_SYSTEMS = "business-systems"


def service_documents() -> dict[str, Any]:
    from business_systems.app import create_app as business_app
    from business_systems.settings import Settings as BusinessSettings
    from data_sharing.app import create_app as data_sharing_app
    from data_sharing.settings import Settings as DataSharingSettings
    from service_management.app import create_app as management_app
    from service_management.settings import Settings as ManagementSettings

    documents: dict[str, Any] = {}
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # development defaults write keys and SQLite files under var/
        try:
            apps = {
                "service-management": management_app(ManagementSettings(), manage_lifespan=False),
                "data-sharing": data_sharing_app(DataSharingSettings(), manage_lifespan=False),
                BUSINESS_SYSTEMS: business_app(BusinessSettings(department_code="amr"), manage_lifespan=False),
            }
            for name, app in apps.items():
                document = annotate(app.openapi(), app.routes)
                document.pop("servers", None)
                documents[name] = {
                    "openapi": document["openapi"],
                    "info": document["info"],
                    "paths": document["paths"],
                    "components": document.get("components", {}),
                }
        finally:
            os.chdir(here)
    return documents


def public_document() -> dict[str, Any]:
    """The gateway's public document (`/openapi.json`), as a gateway with default settings serves it."""
    from portal_gateway.app import create_app
    from portal_gateway.settings import Settings

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            document: dict[str, Any] = create_app(Settings(), manage_lifespan=False).openapi()
        finally:
            os.chdir(here)
    return document


def render(documents: dict[str, Any]) -> str:
    return json.dumps(documents, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> int:
    if sys.argv[1:2] == ["--public"] and len(sys.argv) == 3:
        text, target = render(public_document()), Path(sys.argv[2])
    else:
        text = render(service_documents())
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else SERVICES_DOCUMENT
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(text)} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
