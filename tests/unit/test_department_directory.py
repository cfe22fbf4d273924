"""The department directory (service-management's `GET /departments`) is where the UI takes every
department's name from: each body data-sharing's catalogue names as the owner of a resource is in it,
so no page has to show an owner's code."""

from __future__ import annotations

from data_sharing.catalogue.builtin import BUILTINS
from service_management.seed import DEPARTMENTS


def test_every_owner_of_a_built_in_resource_is_a_department_with_a_chinese_name() -> None:
    names = dict(DEPARTMENTS)
    owners = {builtin.owner_department for builtin in BUILTINS}
    assert owners <= set(names), sorted(owners - set(names))
    assert all(names[owner].startswith("示范县") for owner in owners)
