"""Standalone mode: the four services in one process, the same code as when distributed."""
