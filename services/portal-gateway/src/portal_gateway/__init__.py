"""互联网政务服务门户 — portal-gateway."""
