"""Loading the configured item handlers from the entry-point group `gov.business.handlers`."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from business_systems.handlers.interface import API_VERSION, DefaultHandler, ItemHandler

ENTRY_POINT_GROUP = "gov.business.handlers"
DEFAULT_HANDLER_NAME = "default"
log = logging.getLogger("business_systems.handlers")


class HandlerConfigurationError(RuntimeError):
    """The configured handlers cannot be loaded; the deployment must not start."""


@dataclass(frozen=True)
class LoadedHandler:
    name: str  # the entry-point name, as in BS_HANDLERS
    handler: ItemHandler
    distribution: str | None
    version: str | None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "item_codes": list(self.handler.item_codes),
            "distribution": self.distribution,
            "version": self.version,
            "description": self.handler.description,
        }


class HandlerRegistry:
    """The handlers of one deployment and the item code → handler mapping they declare."""

    def __init__(self, loaded: Sequence[LoadedHandler] = ()) -> None:
        self.loaded = list(loaded)
        self._by_item: dict[str, LoadedHandler] = {}
        for entry in self.loaded:
            for code in entry.handler.item_codes:
                other = self._by_item.get(code)
                if other is not None:
                    raise HandlerConfigurationError(
                        f"item {code} is claimed by two handlers, {other.name!r} and {entry.name!r}; "
                        f"configure only one of them in BS_HANDLERS"
                    )
                self._by_item[code] = entry
        self._default = DefaultHandler()

    def for_item(self, item_code: str) -> tuple[str, ItemHandler]:
        entry = self._by_item.get(item_code)
        if entry is None:
            return DEFAULT_HANDLER_NAME, self._default
        return entry.name, entry.handler

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.loaded]

    def describe(self) -> list[dict[str, Any]]:
        return [entry.describe() for entry in self.loaded]


def installed_handler_names(group: str = ENTRY_POINT_GROUP) -> list[str]:
    return sorted({ep.name for ep in entry_points(group=group)})


def _instantiate(name: str, entry_point: EntryPoint) -> ItemHandler:
    try:
        target = entry_point.load()
    except Exception as exc:
        raise HandlerConfigurationError(
            f"item handler {name!r} ({entry_point.value}) could not be imported: {exc}"
        ) from exc
    if inspect.isclass(target) and not issubclass(target, ItemHandler):
        raise HandlerConfigurationError(
            f"item handler {name!r} ({entry_point.value}) is not a business_systems.handlers.ItemHandler"
        )
    try:
        handler = target()
    except Exception as exc:
        raise HandlerConfigurationError(f"item handler {name!r} ({entry_point.value}) failed to start: {exc}") from exc
    if not isinstance(handler, ItemHandler):
        raise HandlerConfigurationError(
            f"item handler {name!r} ({entry_point.value}) did not give a business_systems.handlers.ItemHandler"
        )
    if handler.api_version != API_VERSION:
        raise HandlerConfigurationError(
            f"item handler {name!r} was written for handler interface version {handler.api_version}, "
            f"this business system provides version {API_VERSION}"
        )
    if not handler.item_codes:
        raise HandlerConfigurationError(f"item handler {name!r} declares no item codes")
    return handler


def load_handlers(names: Sequence[str], *, group: str = ENTRY_POINT_GROUP) -> HandlerRegistry:
    """Load exactly the named handlers; any problem is a HandlerConfigurationError."""
    available: dict[str, list[EntryPoint]] = {}
    for entry_point in entry_points(group=group):
        available.setdefault(entry_point.name, []).append(entry_point)
    loaded: list[LoadedHandler] = []
    for name in dict.fromkeys(names):
        candidates = available.get(name, [])
        if not candidates:
            installed = ", ".join(sorted(available)) or "none"
            raise HandlerConfigurationError(
                f"item handler {name!r} is configured (BS_HANDLERS) but no installed package provides it "
                f"in the entry-point group {group!r}; installed handlers: {installed}"
            )
        if len({ep.value for ep in candidates}) > 1:
            raise HandlerConfigurationError(
                f"item handler {name!r} is provided by several packages: {', '.join(ep.value for ep in candidates)}"
            )
        entry_point = candidates[0]
        dist = entry_point.dist
        loaded.append(
            LoadedHandler(
                name=name,
                handler=_instantiate(name, entry_point),
                distribution=dist.name if dist is not None else None,
                version=dist.version if dist is not None else None,
            )
        )
    return HandlerRegistry(loaded)
