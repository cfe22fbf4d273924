"""Item handler plugins: the interface a department's package implements, and the loader.

A handler package declares its handlers in the entry-point group `gov.business.handlers`; a
deployment loads the ones named in `BS_HANDLERS`. See docs/business-systems.md and
plugins/handler-template/.
"""

from business_systems.handlers.interface import (
    API_VERSION,
    ApplicantView,
    CaseView,
    CreditStatus,
    DefaultHandler,
    DivisionRecord,
    FieldError,
    Finding,
    InvalidLookup,
    ItemHandler,
    LicenseContent,
    Registries,
    RegistryError,
    RegistryUnavailable,
    TrustLevel,
)
from business_systems.handlers.loader import (
    DEFAULT_HANDLER_NAME,
    ENTRY_POINT_GROUP,
    HandlerConfigurationError,
    HandlerRegistry,
    LoadedHandler,
    installed_handler_names,
    load_handlers,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_HANDLER_NAME",
    "ENTRY_POINT_GROUP",
    "ApplicantView",
    "CaseView",
    "CreditStatus",
    "DefaultHandler",
    "DivisionRecord",
    "FieldError",
    "Finding",
    "HandlerConfigurationError",
    "HandlerRegistry",
    "InvalidLookup",
    "ItemHandler",
    "LicenseContent",
    "LoadedHandler",
    "Registries",
    "RegistryError",
    "RegistryUnavailable",
    "TrustLevel",
    "installed_handler_names",
    "load_handlers",
]
