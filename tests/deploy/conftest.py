"""Offline checks of the deployment files: Dockerfiles, docker-compose.yml, deploy/k8s.

The tools are pinned and installed under var/tools by scripts/deploy/tools.sh (`make
deploy-tools`, a prerequisite of `make test`). Outside CI a missing tool skips its checks with
the command to run; under CI=true it fails them."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.platform_code import REPO

CI = os.environ.get("CI", "").lower() == "true"
TOOLS = Path(os.environ.get("GOV_TOOLS_DIR", REPO / "var" / "tools"))
OVERLAYS = ["dev", "production"]


def tool(relative: str) -> Path:
    path = TOOLS / relative
    if not path.exists():
        message = f"{path} is missing: run scripts/deploy/tools.sh (make deploy-tools)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(command: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=120, check=False, **kwargs)


@pytest.fixture(scope="session")
def compose_project() -> dict[str, Any]:
    """docker-compose.yml as Docker Compose resolves it (compose-go), with .env.example as .env."""
    result = run([tool("bin/compose-config"), "-f", "docker-compose.yml", "--env-file", ".env.example"], cwd=REPO)
    assert result.returncode == 0, f"docker-compose.yml does not load:\n{result.stderr}"
    project: dict[str, Any] = json.loads(result.stdout)
    return project


class Rendered:
    """One overlay as `kustomize build` renders it, validated offline."""

    def __init__(self, overlay: str, resources: list[dict[str, Any]], problems: list[str]) -> None:
        self.overlay = overlay
        self.resources = resources
        self.problems = problems

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["kind"] == kind]

    def named(self, kind: str, name: str) -> dict[str, Any]:
        matches = [r for r in self.of_kind(kind) if r["metadata"]["name"] == name]
        assert matches, f"{self.overlay}: no {kind} {name}"
        return matches[0]


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory this test session's pytest-xdist workers share (the parent of each worker's base
    temporary directory), or the session's own without workers."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def render(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Rendered]:
    """An overlay rendered and validated once per test session, not once per worker that needs it (the
    validation is seconds of CPU): the first worker does it under a file lock, the others read its result."""
    cache: dict[str, Rendered] = {}
    shared = _shared_dir(tmp_path_factory)

    def _build(overlay: str, out: Path) -> None:
        kustomize, python = tool("bin/kustomize"), tool("venv/bin/python")
        tool("strimzi/validate.mjs")
        built = run([kustomize, "build", REPO / "deploy/k8s/overlays" / overlay])
        assert built.returncode == 0, f"kustomize build overlays/{overlay} failed:\n{built.stderr}"
        out.mkdir(exist_ok=True)
        (out / "rendered.yaml").write_text(built.stdout)
        checked = run(
            [
                python,
                REPO / "scripts/deploy/validate_manifests.py",
                out / "rendered.yaml",
                "--json-out",
                out / "resources.json",
            ]
        )
        assert checked.returncode in (0, 1), checked.stderr
        (out / "problems.txt").write_text(checked.stdout)  # written last: the others read the result once it is there

    def _render(overlay: str) -> Rendered:
        if overlay not in cache:
            out = shared / f"k8s-{overlay}"
            with open(shared / f"k8s-{overlay}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not (out / "problems.txt").exists():
                    _build(overlay, out)
            resources = json.loads((out / "resources.json").read_text())
            cache[overlay] = Rendered(overlay, resources, (out / "problems.txt").read_text().splitlines())
        return cache[overlay]

    return _render


@pytest.fixture(params=OVERLAYS, scope="session")
def rendered(request: pytest.FixtureRequest, render: Callable[[str], Rendered]) -> Rendered:
    return render(request.param)
