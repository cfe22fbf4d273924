"""Shared mechanisms of the platform. Holds no service's business rules."""
