"""Service-management's tables, one module per domain (catalogue, cases, rules, workflow, bundles, lists,
supervision, evaluation, personal services), all re-exported here: `from service_management.models import Case`.
A domain's module imports only the base, so that the packages' import contracts (pyproject.toml) hold for the
models too."""

from __future__ import annotations

from service_management.models.base import Base
from service_management.models.bundles import Bundle, BundleApplication
from service_management.models.cases import (
    Case,
    CaseDecision,
    CaseMaterial,
    CaseProgress,
    CaseStep,
    IdempotencyRecord,
    SupplementRequest,
    Upload,
)
from service_management.models.catalogue import Department, Item
from service_management.models.evaluation import Evaluation
from service_management.models.lists import ListVersion
from service_management.models.personal import ExpiryReminder, HeldLicense, PersonalOptOut
from service_management.models.rules import DecisionTable
from service_management.models.supervision import CalendarDay, Rectification, SupervisionAlert
from service_management.models.workflow import CaseState, CaseWorkflow, ProcessDefinition

__all__ = [
    "Base",
    "Bundle",
    "BundleApplication",
    "CalendarDay",
    "Case",
    "CaseDecision",
    "CaseMaterial",
    "CaseProgress",
    "CaseState",
    "CaseStep",
    "CaseWorkflow",
    "DecisionTable",
    "Department",
    "Evaluation",
    "ExpiryReminder",
    "HeldLicense",
    "IdempotencyRecord",
    "Item",
    "ListVersion",
    "PersonalOptOut",
    "ProcessDefinition",
    "Rectification",
    "SupervisionAlert",
    "SupplementRequest",
    "Upload",
]
