#!/usr/bin/env bash
# Creates (or replaces) the Secrets of the Kubernetes dev overlay in its namespace, with fresh
# keys and client secrets. The database URLs point at the Service `postgresql` (the external
# server of the overlay); pass the password the dev server's roles have.
#
#   scripts/deploy/dev-secrets.sh DB_PASSWORD [NAMESPACE] [DEPARTMENT...]
#   e.g. scripts/deploy/dev-secrets.sh dev-only-password gov-dev amr psb
#
# Development only: production Secrets come from your secret store (deploy/README.md lists them).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
password=$1
namespace=${2:-gov-dev}
shift $(($# < 2 ? $# : 2))
departments=("$@")
[ ${#departments[@]} -gt 0 ] || departments=(amr psb)
for tool in kubectl openssl; do command -v "$tool" >/dev/null || { echo "dev-secrets.sh: needs $tool" >&2; exit 1; }; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apply() { kubectl -n "$namespace" create secret generic "$@" --dry-run=client -o yaml | kubectl apply -f -; }
url() { printf 'postgresql://%s:%s@postgresql:5432/%s' "$1" "$password" "$1"; }
client_secret() { openssl rand -hex 24; }

openssl genpkey -algorithm ed25519 -out "$work/token-signing.pem"
openssl genpkey -algorithm ed25519 -out "$work/license-signing.pem"
openssl rand -hex 32 >"$work/audit-chain.key"
openssl genpkey -algorithm ed25519 -out "$work/audit-checkpoint.pem"

apply portal-gateway-database --from-literal=url="$(url gov_portal_gateway)"
apply service-management-database --from-literal=url="$(url gov_service_management)"
apply data-sharing-database --from-literal=url="$(url gov_data_sharing)"
apply portal-gateway-token-signing --from-file="$work/token-signing.pem"
apply data-sharing-license-signing --from-file="$work/license-signing.pem" --from-file="$work/audit-chain.key" \
    --from-file="$work/audit-checkpoint.pem"

clients="{"
sm=$(client_secret) ds=$(client_secret)
apply service-management-client --from-literal=secret="$sm"
apply data-sharing-client --from-literal=secret="$ds"
clients+="\"service-management\": \"$sm\", \"data-sharing\": \"$ds\""
for code in "${departments[@]}"; do
    secret=$(client_secret)
    apply "business-systems-$code-database" --from-literal=url="$(url "gov_business_$code")"
    apply "business-systems-$code-client" --from-literal=secret="$secret"
    clients+=", \"business-systems.$code\": \"$secret\""
done
apply portal-gateway-service-clients --from-literal=clients.json="$clients}"
# The bearer token every service wants on /metrics; give Prometheus the same (deploy/README.md, "Metrics").
apply metrics-token --from-literal=token="$(openssl rand -hex 24)"
# The dev overlay writes one-time codes to a file (GW_SMS_CHANNEL=dev); the AccessKey is unused there.
apply portal-gateway-sms --from-literal=access-key-id=unused-in-dev --from-literal=access-key-secret=unused-in-dev
echo "dev-secrets.sh: Secrets of ${namespace} written; the pods pick them up on their next start" >&2
