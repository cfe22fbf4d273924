"""Decision tables (规则引擎): versioned data, evaluated by zen-engine."""

from service_management.rules.tables import decision_table

__all__ = ["decision_table"]
