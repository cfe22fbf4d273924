"""The platform's services and registries as a person reads them in a message (logs keep the code)."""

from __future__ import annotations

SERVICE_LABELS = {
    "portal-gateway": "门户",
    "service-management": "事项管理服务",
    "business-systems": "部门业务系统",
    "data-sharing": "数据共享服务",
    "identity verification": "身份核验服务",
    "the identity service": "身份核验服务",
}


def service_label(service: str) -> str:
    """`service`'s Chinese name; a department's business system (business-systems/amr) by its code."""
    if service.startswith("business-systems"):
        return SERVICE_LABELS["business-systems"]
    return SERVICE_LABELS.get(service, "相关服务")
