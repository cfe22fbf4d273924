"""Writes the OpenAPI document of the gateway and of each service, as its FastAPI app builds it, to
`ui/openapi/<service>.json`: the source of the UI's generated wire types (`ui/src/api/generated`,
`npm run api:types`; ui/README.md, "Wire types"). No server and no database connection: each app is built in this
process with throw-away settings (SQLite files in a temporary directory, the in-process bus) and
asked for `.openapi()`.

    .venv/bin/python scripts/export_openapi.py          # write the documents
    .venv/bin/python scripts/export_openapi.py --check  # exit 1 naming the stale ones

The gateway forwards `/api/v1/...` to the owning service under the same path, so a service's paths
are the paths the UI calls. `tests/unit/test_openapi_documents.py` fails when a checked-in document
differs from what the apps build.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ui" / "openapi"
# One business system stands for all: every department runs the same app (its title names the department).
BUSINESS_DEPARTMENT = "amr"


def build_documents(var_dir: Path) -> dict[str, dict[str, Any]]:
    """Each app's OpenAPI document, by service name."""
    import business_systems.app as business
    import data_sharing.app as data_sharing
    import portal_gateway.app as gateway
    import service_management.app as service_management
    from business_systems.settings import Settings as BusinessSettings
    from data_sharing.settings import Settings as DataSharingSettings
    from gov_common.auth import TokenVerifier
    from gov_common.bus.local import LocalBus
    from portal_gateway.settings import Settings as GatewaySettings
    from service_management.settings import Settings as ServiceManagementSettings

    common: dict[str, Any] = {"environment": "development", "bus": "local", "seed_demo": False, "run_worker": False}

    def sqlite(name: str) -> str:
        return f"sqlite:///{var_dir / name}.db"

    def identity(client_id: str) -> dict[str, Any]:
        return {
            "service_client_id": client_id,
            "service_client_secret": "openapi-export",
            "token_url": "http://127.0.0.1:9/api/v1/auth/token",
        }

    base = "http://127.0.0.1:9/internal"
    gw_settings = GatewaySettings(
        **common,
        database_url=sqlite("portal-gateway"),
        token_signing_key_path=str(var_dir / "keys" / "token-signing.pem"),
        service_management_url=f"{base}/service-management",
        data_sharing_url=f"{base}/data-sharing",
        business_systems_urls={BUSINESS_DEPARTMENT: f"{base}/business/{BUSINESS_DEPARTMENT}"},
        demo_departments=[BUSINESS_DEPARTMENT],
    )
    sm_settings = ServiceManagementSettings(
        **common,
        **identity("service-management"),
        database_url=sqlite("service-management"),
        data_sharing_url=f"{base}/data-sharing",
        file_store_url=str(var_dir / "files" / "service-management"),
    )
    ds_settings = DataSharingSettings(
        **common,
        **identity("data-sharing"),
        database_url=sqlite("data-sharing"),
        license_signing_key_path=str(var_dir / "keys" / "license-signing.pem"),
        audit_checkpoint_file=str(var_dir / "audit-checkpoints.jsonl"),
        public_base_url="http://127.0.0.1:8000",
    )
    bs_settings = BusinessSettings(
        **common,
        **identity(f"business-systems.{BUSINESS_DEPARTMENT}"),
        department_code=BUSINESS_DEPARTMENT,
        database_url=sqlite(f"business-{BUSINESS_DEPARTMENT}"),
        file_store_url=str(var_dir / "files" / f"business-{BUSINESS_DEPARTMENT}"),
        data_sharing_url=f"{base}/data-sharing",
    )

    bus = LocalBus(str(var_dir / "bus.db"))
    try:
        issuer = gateway.create_issuer(gw_settings)
        verifier = TokenVerifier(issuer.jwks, issuer=gw_settings.token_issuer, audience=gw_settings.token_audience)
        builders: dict[str, Callable[[], Any]] = {
            "portal-gateway": lambda: gateway.create_app(
                runtime=gateway.create_runtime(gw_settings, bus=bus, issuer=issuer), manage_lifespan=False
            ),
            "service-management": lambda: service_management.create_app(
                runtime=service_management.create_runtime(sm_settings, bus=bus, verifier=verifier),
                manage_lifespan=False,
            ),
            "data-sharing": lambda: data_sharing.create_app(
                runtime=data_sharing.create_runtime(ds_settings, bus=bus, verifier=verifier), manage_lifespan=False
            ),
            "business-systems": lambda: business.create_app(
                runtime=business.create_runtime(bs_settings, bus=bus, verifier=verifier), manage_lifespan=False
            ),
        }
        return {name: build().openapi() for name, build in builders.items()}
    finally:
        bus.close()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def rendered_documents() -> dict[str, str]:
    """File name → text, as this checkout's apps build them."""
    with tempfile.TemporaryDirectory(prefix="openapi-export-") as tmp:
        return {f"{name}.json": render(doc) for name, doc in build_documents(Path(tmp)).items()}


def stale(out: Path = OUT) -> list[str]:
    """The documents under `out` that differ from what the apps build (or are missing)."""
    wanted = rendered_documents()
    return [name for name, text in wanted.items() if not (out / name).is_file() or (out / name).read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a document is stale")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"ui/openapi/{name} is stale: run make openapi", file=sys.stderr)
        return 1 if names else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in rendered_documents().items():
        (OUT / name).write_text(text)
        print(f"wrote ui/openapi/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
