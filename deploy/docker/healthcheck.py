#!/usr/bin/env python3
"""Container health check (the images' HEALTHCHECK): GET /healthz of the service in this container.

The port is GOV_HEALTHCHECK_PORT (each image sets its service's default port); a container that
serves on another port sets it too. Only the standard library, and no proxy: the check must not
depend on anything but the process it checks. A container running the `worker` or `migrate`
command serves no HTTP; docker-compose.yml and the Kubernetes manifests run workers as
`serve` with the worker on, so that they have health endpoints and /metrics.
"""

import os
import sys
import urllib.request

port = os.environ.get("GOV_HEALTHCHECK_PORT", "8000")
url = f"http://127.0.0.1:{port}/healthz"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(url, timeout=float(os.environ.get("GOV_HEALTHCHECK_TIMEOUT", "4"))) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"unhealthy: {url}: {exc}", file=sys.stderr)
    sys.exit(1)
