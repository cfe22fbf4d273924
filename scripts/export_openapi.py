"""Writes the gateway's public OpenAPI document — the services' own documents merged with the gateway's
(`portal_gateway.routes.contract`, docs/api.md) — to `ui/openapi/public.json`: the source of the UI's
generated wire types (`ui/src/api/generated`, `npm run api:types`; ui/README.md, "Wire types"). It is what
`/openapi.json` serves, built in this process (no server, no database connection).

    .venv/bin/python scripts/export_openapi.py          # write the document
    .venv/bin/python scripts/export_openapi.py --check  # exit 1 when it is stale

The public document is built from the services' documents checked in with the gateway
(`python -m portal_gateway.routes.generate`, which `make openapi` runs first).
`tests/unit/test_openapi_documents.py` fails when the checked-in document differs from what the gateway serves.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ui" / "openapi"
NAME = "public.json"


def public_document() -> dict[str, Any]:
    from portal_gateway.routes.generate import public_document as build

    return build()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def stale(out: Path = OUT) -> list[str]:
    """The documents under `out` that differ from what the gateway serves (or are missing, or left over)."""
    wanted = {NAME: render(public_document())}
    names = [name for name, text in wanted.items() if not (out / name).is_file() or (out / name).read_text() != text]
    return names + sorted(p.name for p in out.glob("*.json") if p.name not in wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the document is stale")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"ui/openapi/{name} is stale: run make openapi", file=sys.stderr)
        return 1 if names else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        if old.name != NAME:
            old.unlink()
    (OUT / NAME).write_text(render(public_document()))
    print(f"wrote ui/openapi/{NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
