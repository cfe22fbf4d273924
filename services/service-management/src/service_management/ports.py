"""What service-management needs from outside its database, built once per runtime and passed to
the service functions (fakes in the unit tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gov_common.files import FileStore
from service_management.cases.licences import LicenceVerifier
from service_management.rules.credit import CreditLookup


@dataclass
class Ports:
    files: FileStore
    credit: CreditLookup
    licences: LicenceVerifier


def get_ports(request: Request) -> Ports:
    ports: Ports = request.app.state.runtime.extras["ports"]
    return ports


CurrentPorts = Annotated[Ports, Depends(get_ports)]
