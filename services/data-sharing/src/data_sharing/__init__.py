"""政务服务数据共享平台 — data-sharing."""
