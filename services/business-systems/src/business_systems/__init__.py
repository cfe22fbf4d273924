"""业务管理系统 — one department's business system."""
