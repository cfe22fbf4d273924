"""Database statements and transactions per concluded case, by service: the part of the CPU figures that does
not move with the machine.

PostgreSQL counts every statement it runs, per database, in `pg_stat_statements` (a module shipped with
the server; scripts/infra/postgres.sh loads it when the server has it). Each service of the distributed
platform has a database of its own, so the difference of two samples, less what the services run with no
load (their relays' polls, gauges and scans) and the bench's own timeline reads, divided by the concluded
cases, is what a case costs each service in round trips to its database. Unlike CPU per case it is the same
on a busy and an idle machine (a batch that gathers more events under load makes it smaller), so a change
that removes statements shows in one run, where a CPU figure needs several. Transactions are the COMMIT and
ROLLBACK among the statements (psycopg sends both as statements); BEGIN and SAVEPOINT count as statements.

Without the module (another server, or one started before it was configured) the figures are absent and the
run says why; nothing else depends on them."""

from __future__ import annotations

from typing import NamedTuple

import psycopg

# The bench's database labels (harness.load_phase) and the components they belong to (the CPU table's names).
COMPONENTS = {
    "gw": "portal-gateway",
    "sm": "service-management",
    "ds": "data-sharing",
    "bs_amr": "business-systems-amr",
    "bs_psb": "business-systems-psb",
}

_COUNTS = """
SELECT d.datname,
       coalesce(sum(s.calls), 0)::bigint,
       coalesce(sum(s.calls) FILTER (WHERE upper(s.query) IN ('COMMIT', 'ROLLBACK')), 0)::bigint
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = ANY(%s)
GROUP BY d.datname
"""


class Counts(NamedTuple):
    statements: float
    transactions: float


class StatementCounter:
    """Samples the statements each service's database has run so far. `databases`: label → SQLAlchemy URL
    of the service's database; `admin_url`: the server's maintenance database, where the view is read."""

    def __init__(self, admin_url: str, databases: dict[str, str]) -> None:
        self._admin = admin_url.replace("postgresql+psycopg://", "postgresql://")
        self._components = {url.rsplit("/", 1)[1]: COMPONENTS.get(label, label) for label, url in databases.items()}
        self.unavailable: str | None = None
        try:
            with psycopg.connect(self._admin, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                conn.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
        except psycopg.Error as error:
            self.unavailable = str(error).strip().splitlines()[0]

    def sample(self) -> dict[str, Counts]:
        """Statements and transactions so far, by component; empty when the module is not loaded."""
        if self.unavailable is not None:
            return {}
        with psycopg.connect(self._admin, autocommit=True) as conn:
            rows = conn.execute(_COUNTS, (list(self._components),)).fetchall()
        out = {name: Counts(0, 0) for name in self._components.values()}
        for datname, statements, transactions in rows:
            out[self._components[datname]] = Counts(statements, transactions)
        return out


def spent(before: dict[str, Counts], after: dict[str, Counts]) -> dict[str, Counts]:
    return {
        name: Counts(after[name].statements - was.statements, after[name].transactions - was.transactions)
        for name, was in before.items()
        if name in after
    }


def rates(before: dict[str, Counts], after: dict[str, Counts], seconds: float) -> dict[str, Counts]:
    """Per second, between two samples `seconds` apart (what the services run with no load)."""
    return {name: Counts(c.statements / seconds, c.transactions / seconds) for name, c in spent(before, after).items()}


def per_case(
    used: dict[str, Counts],
    concluded: int,
    *,
    idle: dict[str, Counts],
    seconds: float,
    less: dict[str, Counts],
) -> dict[str, list[float]] | None:
    """[statements, transactions] per concluded case by component and in all, net of the idle rate over the
    step's `seconds` and of `less` (the bench's own reads); None without figures or a concluded case."""
    if concluded <= 0 or not used:
        return None

    def net(name: str, field: int) -> float:
        value = used[name][field] - idle.get(name, Counts(0, 0))[field] * seconds - less.get(name, Counts(0, 0))[field]
        return round(max(0.0, value) / concluded, 1)

    out = {name: [net(name, 0), net(name, 1)] for name in used}
    out["all"] = [round(sum(v[0] for v in out.values()), 1), round(sum(v[1] for v in out.values()), 1)]
    return out
