#!/usr/bin/env bash
# One database and one owner role per service, from the environment of the postgres container:
# GOV_DB_<NAME>_PASSWORD=secret makes role and database gov_<name> (lower case), e.g.
# GOV_DB_BUSINESS_AMR_PASSWORD -> gov_business_amr. Nobody else may connect to it.
#
# The postgres image runs this once, when it initialises an empty data volume. It is idempotent,
# so after adding a department (a new GOV_DB_..._PASSWORD) run it again by hand:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-gov-databases.sh
set -euo pipefail

found=0
while IFS='=' read -r variable _; do
    [[ $variable =~ ^GOV_DB_([A-Z0-9_]+)_PASSWORD$ ]] || continue
    name="gov_$(tr '[:upper:]' '[:lower:]' <<<"${BASH_REMATCH[1]}")"
    password=${!variable}
    if [ -z "$password" ]; then
        echo "10-gov-databases: $variable is empty" >&2
        exit 1
    fi
    found=$((found + 1))
    echo "10-gov-databases: role and database $name"
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'name', :'name', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
done < <(env | sort)

if [ "$found" -eq 0 ]; then
    echo "10-gov-databases: no GOV_DB_<NAME>_PASSWORD variable set; no database created" >&2
    exit 1
fi
