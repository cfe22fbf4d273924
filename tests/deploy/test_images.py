"""The services' Dockerfiles and .dockerignore, checked without a Docker engine: hadolint, and the
structure the platform needs (multi-stage, slim Debian Python 3.11, non-root, a health check, no
build tools in the final image, the service's own command line)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from tests.deploy.conftest import run, tool
from tests.deploy.platform_code import ALL_INTERFACES, REPO, Service, services

SERVICES = [s.folder for s in services()]
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|clang|make|cmake|build-essential|[a-z0-9.+-]+-dev|rustc|cargo|gfortran)\b")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) with line continuations joined and comments dropped."""
    joined, current = [], ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        joined.append(current + stripped)
        current = ""
    result = []
    for text in joined:
        keyword, _, args = text.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


@cache
def stages(folder: str) -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    found: list[Stage] = []
    for keyword, text in instructions(REPO / "services" / folder / "Dockerfile"):
        if keyword == "ARG" and not found:
            name, _, default = text.partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = [w for w in text.split() if not w.startswith("--")]
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            found.append(Stage(base, name))
        else:
            found[-1].instructions.append((keyword, text))
    return args, found


def exec_form(text: str) -> list[str]:
    value = json.loads(text)
    assert isinstance(value, list), f"not in exec form: {text}"
    return [str(v) for v in value]


@pytest.fixture(params=SERVICES)
def svc(request: pytest.FixtureRequest) -> Service:
    return next(s for s in services() if s.folder == request.param)


def test_hadolint_finds_nothing(svc: Service) -> None:
    result = run([tool("bin/hadolint"), "--no-color", svc.dockerfile])
    assert result.returncode == 0, f"hadolint {svc.dockerfile}:\n{result.stdout}{result.stderr}"


def test_multi_stage_on_slim_debian_python_311(svc: Service) -> None:
    _, found = stages(svc.folder)
    assert len(found) >= 2, "build and runtime must be separate stages"
    runtime = found[-1]
    # glibc: the rules engine (zen-engine) and psycopg ship manylinux wheels only.
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-bookworm|-trixie)?(@sha256:[0-9a-f]{64})?", runtime.base), (
        f"runtime stage is based on {runtime.base!r}, not a slim Debian Python 3.11 image"
    )
    assert "alpine" not in " ".join(s.base for s in found)


def test_runtime_stage_runs_as_non_root_with_a_health_check(svc: Service) -> None:
    _, found = stages(svc.folder)
    runtime = found[-1]
    users = runtime.all("USER")
    assert users, "the runtime stage sets no USER, so the container runs as root"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"USER {users[-1]}: use a numeric non-root uid (runAsNonRoot checks it)"
    checks = runtime.all("HEALTHCHECK")
    assert checks and checks[-1].upper() != "NONE", "the runtime stage has no HEALTHCHECK"
    env = " ".join(runtime.all("ENV"))
    port = re.search(r"GOV_HEALTHCHECK_PORT=(\d+)", env)
    assert port and int(port.group(1)) == svc.default_port, "the health check must probe the service's port"


def test_runtime_stage_has_no_build_tools(svc: Service) -> None:
    _, found = stages(svc.folder)
    runtime = found[-1]
    for command in runtime.all("RUN"):
        assert not re.search(r"\b(pip|pip3|uv)\s+install\b", command), f"installs in the runtime stage: {command}"
        if re.search(r"\bapt(-get)?\s+install\b", command):
            assert not BUILD_TOOLS.search(command.split("install", 1)[1]), (
                f"build tools in the runtime stage: {command}"
            )
    copies = runtime.all("COPY")
    assert any("--from=" in c for c in copies), "the runtime stage should copy the built environment from a stage"
    for copy in copies:
        if "--from=" in copy:
            assert "/src" not in copy.split()[-2], f"sources copied into the runtime stage: {copy}"


def test_image_runs_the_service_command_line(svc: Service) -> None:
    _, found = stages(svc.folder)
    runtime = found[-1]
    entrypoint = exec_form(runtime.all("ENTRYPOINT")[-1])
    assert entrypoint == [svc.script], f"ENTRYPOINT must be the console script {svc.script} (serve|worker|migrate)"
    command = exec_form(runtime.all("CMD")[-1])
    assert command[0] == "serve" and ALL_INTERFACES in command, f"default command {command}: serve on all interfaces"
    assert str(svc.default_port) in command
    assert str(svc.default_port) in " ".join(runtime.all("EXPOSE"))


# --- the build context: .dockerignore ---------------------------------------------------------


def _pattern(text: str) -> re.Pattern[str]:
    text = text.strip().rstrip("/")
    out, i = "", 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out)


@cache
def dockerignore() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((negated, _pattern(line.lstrip("!"))))
    return rules


def in_build_context(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for negated, pattern in dockerignore():
        if any(pattern.fullmatch(c) for c in candidates):
            included = negated
    return included


def tracked(under: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", under],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in out.stdout.splitlines() if line]


def test_build_context_holds_what_the_image_copies(svc: Service) -> None:
    _, found = stages(svc.folder)
    sources = [c.split()[-2] for s in found for c in s.all("COPY") if "--from=" not in c]
    assert sources, "no COPY from the build context"
    for source in sources:
        files = tracked(source) or [source.rstrip("/")]
        needed = [
            f
            for f in files
            if f.endswith((".py", ".toml", ".ini", ".mako", ".txt", ".json", ".ts", ".vue", ".html", ".css", ".npmrc"))
        ]
        assert needed, f"COPY {source}: nothing to copy"
        missing = [f for f in needed if not in_build_context(f)]
        assert not missing, f".dockerignore leaves out files the image needs: {missing[:5]}"


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".git/config",
        ".venv/bin/python",
        "var/keys/token-signing.pem",
        "var/portal-gateway.db",
        "services/portal-gateway/src/portal_gateway/__pycache__/app.cpython-311.pyc",
        "services/portal-gateway/src/gov_portal_gateway.egg-info/PKG-INFO",
        "tests/conftest.py",
    ],
)
def test_build_context_leaves_out_local_state(path: str) -> None:
    assert not in_build_context(path), f"{path} would be sent to the image builder"


def test_build_stage_installs_the_pinned_versions(svc: Service) -> None:
    _, found = stages(svc.folder)
    installs = [c for s in found[:-1] for c in s.all("RUN") if re.search(r"\bpip install\b", c)]
    assert installs, "no stage installs the service"
    for command in installs:
        assert re.search(r"(-c|--constraint)\s+\S*constraints\.txt", command), (
            f"installs without constraints.txt, so the image may get other versions than the tests ran with: {command}"
        )
    assert (REPO / "constraints.txt").exists() and in_build_context("constraints.txt")
