"""Objects that entry points in the loader tests point at."""

from __future__ import annotations

from business_systems.handlers import ItemHandler


class AlsoFoodBusiness(ItemHandler):
    item_codes = ("330122-AMR-XK-0002",)


class FromTheFuture(ItemHandler):
    item_codes = ("330122-AMR-XK-0009",)
    api_version = 2


class NoItems(ItemHandler):
    pass


class NotAHandler:
    item_codes = ("330122-AMR-XK-0009",)
