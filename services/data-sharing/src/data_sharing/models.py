"""All of data-sharing's tables, for the migrations and for callers that want one import."""

from __future__ import annotations

from data_sharing.audit.models import AuditCheckpointRecord, AuditEntry, AuditHead
from data_sharing.base import Base
from data_sharing.catalogue.models import AccessRequest, Grant, Resource
from data_sharing.credit.models import CreditRecord, CreditSubject
from data_sharing.licenses.models import License, LicenseType
from data_sharing.quality.models import QualityReport
from data_sharing.registries.models import (
    Division,
    EconomicIndicator,
    LegalEntity,
    Person,
    RegistryImport,
    ServiceHall,
)

__all__ = [
    "AccessRequest",
    "AuditCheckpointRecord",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CreditRecord",
    "CreditSubject",
    "Division",
    "EconomicIndicator",
    "Grant",
    "LegalEntity",
    "License",
    "LicenseType",
    "Person",
    "QualityReport",
    "RegistryImport",
    "Resource",
    "ServiceHall",
]
