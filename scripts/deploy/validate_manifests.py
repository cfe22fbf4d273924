"""Validates rendered Kubernetes manifests offline; runs with the deploy tools' Python
(var/tools/venv, made by scripts/deploy/tools.sh), which has kubernetes-validate and PyYAML.

    var/tools/venv/bin/python scripts/deploy/validate_manifests.py RENDERED.yaml \
        [--kubernetes-version 1.30 ...] [--json-out resources.json]

- Kubernetes kinds: kubernetes-validate's strict schemas (unknown fields are errors) for every
  version given. A kind/apiVersion without a schema is an error, not the tool's warning: that
  is how kubernetes-validate reports an apiVersion the version no longer serves.
- Kinds of the operators (Strimzi's *.strimzi.io, the Prometheus Operator's monitoring.coreos.com):
  their CRD schemas, plus unknown fields, through var/tools/strimzi/validate.mjs (Node.js).
Prints one line per problem and exits 1 if there is any. --json-out writes the parsed
resources (a JSON array), so callers need no YAML parser of their own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError, VersionNotSupportedError

REPO = Path(__file__).resolve().parents[2]
STRIMZI_VALIDATOR = REPO / "var" / "tools" / "strimzi" / "validate.mjs"
DEFAULT_VERSIONS = ["1.30", "1.37"]


def name_of(resource: dict) -> str:
    return f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"


def validate_kubernetes(resources: list[dict], versions: list[str]) -> list[str]:
    problems = []
    for resource in resources:
        for version in versions:
            try:
                kubernetes_validate.validate(resource, version, strict=True)
            except ValidationError as exc:
                path = ".".join(str(p) for p in exc.path)
                problems.append(f"{name_of(resource)} (Kubernetes {version}): {path}: {exc.message}")
            except SchemaNotFoundError as exc:
                problems.append(f"{name_of(resource)} (Kubernetes {version}): {exc.message}")
            except VersionNotSupportedError:
                problems.append(f"kubernetes-validate {kubernetes_validate.__version__} has no Kubernetes {version}")
    return problems


def validate_strimzi(resources: list[dict], validator: Path) -> list[str]:
    if not resources:
        return []
    if not validator.exists():
        return [f"{validator} is missing: run scripts/deploy/tools.sh"]
    result = subprocess.run(  # noqa: S603
        ["node", str(validator)],  # noqa: S607
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        cwd=validator.parent,
        timeout=120,
        check=False,
    )
    if result.returncode not in (0, 1):
        return [f"Strimzi validation failed to run: {result.stderr.strip() or result.stdout.strip()}"]
    return [line for line in result.stdout.splitlines() if line.strip()]


def _operator_group(group: str) -> bool:
    return group.endswith(".strimzi.io") or group == "monitoring.coreos.com"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rendered", type=Path, help="output of kustomize build")
    parser.add_argument("--kubernetes-version", action="append", dest="versions")
    parser.add_argument("--strimzi-validator", type=Path, default=STRIMZI_VALIDATOR)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    resources = [doc for doc in yaml.safe_load_all(args.rendered.read_text()) if doc]
    strimzi = [r for r in resources if _operator_group(str(r.get("apiVersion", "")).split("/")[0])]
    kubernetes = [r for r in resources if r not in strimzi]
    problems = validate_kubernetes(kubernetes, args.versions or DEFAULT_VERSIONS)
    problems += validate_strimzi(strimzi, args.strimzi_validator)
    if args.json_out:
        args.json_out.write_text(json.dumps(resources))
    for problem in problems:
        print(problem)
    print(
        f"validated {len(kubernetes)} Kubernetes and {len(strimzi)} operator (Strimzi, Prometheus) resources: {len(problems)} problem(s)",
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
