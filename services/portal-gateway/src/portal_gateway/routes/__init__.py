"""The gateway's public routes: its own (one module per area; every module here that defines `router` is
included by the app) and the services' operations forwarded by the routing table
(`portal_gateway.routing.ROUTING_TABLE`), with the public OpenAPI document that describes them all
(`portal_gateway.routes.contract`)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi import APIRouter, FastAPI

from portal_gateway.routes.contract import METHODS, annotate, merged_openapi, services_document
from portal_gateway.routing import BUSINESS_SYSTEMS, ROUTING_TABLE, RoutingTable, TableRoute

# Operations of a business system that explicit routes forward (the department comes from the token or
# the path, not from a prefix of the table): the service's path -> the public path.
DEPARTMENT_ROUTES = {
    "/api/v1/cases/{case_no}/decision": "/api/v1/cases/{case_no}/decision",
    "/api/v1/cases/{case_no}/attachments": "/api/v1/departments/{department}/cases/{case_no}/attachments",
    "/api/v1/cases/{case_no}/attachments/{file_id}": (
        "/api/v1/departments/{department}/cases/{case_no}/attachments/{file_id}"
    ),
}
# The services' operations that are not public: probes, the dead letters (the gateway gathers them
# itself, routes/dead_letters.py), and what the services call on each other.
NOT_PUBLIC_PREFIXES = ("/healthz", "/readyz", "/api/v1/dead-letters", "/api/v1/warehouse", "/api/v1/identity")


def all_routers() -> list[APIRouter]:
    routers = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in ("contract", "generate"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


def public_operations() -> list[tuple[str, str, str, str]]:
    """(service, public path, method, the service's path) of every service operation the gateway
    forwards: by the routing table, or by an explicit route of a department's business system."""
    table = RoutingTable(ROUTING_TABLE)
    operations = []
    for service, document in sorted(services_document().items()):
        for path, methods in document["paths"].items():
            if service == BUSINESS_SYSTEMS and path in DEPARTMENT_ROUTES:
                public = DEPARTMENT_ROUTES[path]
            else:
                upstream = table.lookup(path)
                if upstream is None or upstream.service != service:
                    continue
                public = path
            operations += [(service, public, method, path) for method in methods if method in METHODS]
    return operations


def install_routes(app: FastAPI) -> None:
    """The gateway's own routes, then the routing table (after them: an explicit route wins for its
    path and method), and the public OpenAPI document."""
    for router in all_routers():
        app.include_router(router)
    table = TableRoute(ROUTING_TABLE, services_document())
    app.router.routes.extend([*table.declared_limits(), table])
    own_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            own = annotate(own_openapi(), app.routes)
            app.openapi_schema = merged_openapi(own, public_operations())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
