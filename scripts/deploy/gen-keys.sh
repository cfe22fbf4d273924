#!/usr/bin/env bash
# Makes the keys docker-compose.yml mounts as secrets: the gateway's token-signing key,
# data-sharing's licence-signing and audit-checkpoint keys (Ed25519, PKCS#8 PEM), and data-sharing's
# audit-chain HMAC key (32 random bytes, hex). An existing key is kept:
# replacing one is a rotation (deploy/README.md), not something to do by accident.
#
#   scripts/deploy/gen-keys.sh [DIR]        DIR defaults to var/secrets (git-ignored)
#
# The images run as uid 10001, and compose bind-mounts file secrets with the host's owner and
# mode, so run as root to get owner 10001 and mode 0400; otherwise the file is made 0444 inside
# a 0700 folder.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${1:-$REPO_ROOT/var/secrets}
command -v openssl >/dev/null || { echo "gen-keys.sh: openssl is needed" >&2; exit 1; }
mkdir -p "$DIR"
chmod 0700 "$DIR"
for file in "$DIR/token-signing.pem" "$DIR/license-signing.pem" "$DIR/audit-chain.key" "$DIR/audit-checkpoint.pem"; do
    if [ -e "$file" ]; then
        echo "gen-keys.sh: $file exists; kept" >&2
        continue
    fi
    case $file in
    *.pem) (umask 077 && openssl genpkey -algorithm ed25519 -out "$file") ;;
    *) (umask 077 && openssl rand -hex 32 >"$file") ;;
    esac
    if [ "$(id -u)" -eq 0 ]; then
        chown 10001:10001 "$file"
        chmod 0400 "$file"
    else
        chmod 0444 "$file"
    fi
    echo "gen-keys.sh: wrote $file" >&2
done
