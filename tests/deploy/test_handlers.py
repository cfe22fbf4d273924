"""The item handlers a department's deployment loads (BS_HANDLERS) are installed in the
business-systems image: each name is an entry point of a package in its HANDLER_PACKAGES."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from tests.deploy.conftest import Rendered
from tests.deploy.platform_code import REPO


def _installed_handlers() -> set[str]:
    dockerfile = (REPO / "services/business-systems/Dockerfile").read_text()
    match = re.search(r'^ARG HANDLER_PACKAGES="([^"]*)"', dockerfile, re.MULTILINE)
    assert match, "the business-systems Dockerfile names no HANDLER_PACKAGES"
    names: set[str] = set()
    for package in match.group(1).split():
        project = tomllib.loads((REPO / package / "pyproject.toml").read_text())
        names |= set(project["project"]["entry-points"]["gov.business.handlers"])
    assert names, "HANDLER_PACKAGES installs no handler"
    return names


def _names(value: str) -> set[str]:
    return {n.strip() for n in value.strip("[]").replace('"', "").split(",") if n.strip()}


def test_compose_departments_load_only_installed_handlers(compose_project: dict[str, Any]) -> None:
    installed = _installed_handlers()
    configured = {
        name: _names(str(spec.get("environment", {}).get("BS_HANDLERS", "")))
        for name, spec in compose_project["services"].items()
        if "BS_DEPARTMENT_CODE" in (spec.get("environment") or {})
    }
    assert any(configured.values()), "no department loads a handler"
    for name, handlers in configured.items():
        assert handlers <= installed, f"{name} loads handlers the image lacks: {handlers - installed}"


def test_kubernetes_departments_load_only_installed_handlers(rendered: Rendered) -> None:
    installed = _installed_handlers()
    configured = [
        _names(str(cm["data"].get("BS_HANDLERS", "")))
        for cm in rendered.of_kind("ConfigMap")
        if "BS_DEPARTMENT_CODE" in (cm.get("data") or {})
    ]
    assert any(configured), f"{rendered.overlay}: no department loads a handler"
    for handlers in configured:
        assert handlers <= installed, f"{rendered.overlay}: handlers the image lacks: {handlers - installed}"
