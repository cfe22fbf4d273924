"""政务服务管理平台 — service-management."""
