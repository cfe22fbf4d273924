"""Helpers of the service-management end-to-end tests (tests/e2e/test_sm_*.py)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

import httpx
import sqlalchemy

from tests.e2e.platform import DEMO_PASSWORD, Applicant, Platform, login, start_process, wait_ready

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


_USED: set[str] = set()


def fresh_id_number(birth: str | None = None) -> str:
    """A resident ID number (GB 11643, with its check character) nobody else in the run uses: a
    random adult birth date (1960-1999) and sequence, never the same twice in this process."""
    while True:
        if birth is None:
            day = dt.date(1960, 1, 1) + dt.timedelta(days=secrets.randbelow(14600))
            born = f"{day:%Y%m%d}"
        else:
            born = birth
        body = f"330122{born}{secrets.randbelow(1000):03d}"
        number = body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
        if number not in _USED:
            _USED.add(number)
            return number


def wrong_check_id_number() -> str:
    """A fresh resident ID number whose check character is wrong (GB 11643 refuses it)."""
    valid = fresh_id_number()
    return valid[:-1] + ("0" if valid[-1] != "0" else "1")


def fresh_applicant(client: httpx.Client, name: str = "测试申请人") -> Applicant:
    return Applicant(client, fresh_id_number(), name=name)


def staff(client: httpx.Client, username: str) -> dict[str, str]:
    return login(client, username, DEMO_PASSWORD)


def wait_until(fetch: Any, check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    value = fetch()
    while not check(value) and time.monotonic() < deadline:
        time.sleep(0.1)
        value = fetch()
    assert check(value), value
    return value


def restart_service_management(platform: Platform) -> None:
    """Stop the process serving service-management (the whole process in standalone mode) and
    start it again on the same port, database and bus: a restart of the service mid-case."""
    name = "service-management" if platform.mode == "distributed" else "standalone"
    index = next(i for i, p in enumerate(platform.processes) if p.name == name)
    old = platform.processes[index]
    args = [str(a) for a in old.popen.args[1:]]  # type: ignore[index, union-attr]
    port = int(old.url.rsplit(":", 1)[1])
    old.stop()
    env = platform.envs.get(name, {})
    new = start_process(name, args, env, port, old.log.parent)
    new.log = old.log.parent / f"{name}.log"
    platform.processes[index] = new
    wait_ready(new)


def _sm_read(platform: Platform, sql: str, **params: Any) -> Any:
    if platform.mode == "distributed":
        url = platform.databases["sm"]
    else:
        args = [str(a) for a in platform.processes[0].popen.args]  # type: ignore[union-attr]
        url = f"sqlite:///{args[args.index('--var-dir') + 1]}/service-management.db"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sqlalchemy.text(sql), params).scalar()
    finally:
        engine.dispose()


def credit_version(platform: Platform, subject: str) -> int | None:
    """The version of `subject`'s credit facts in service-management's read model (None: not there
    yet): a credit record entered in data-sharing reaches it a moment later, through gov.credit.v1."""
    version = _sm_read(platform, "SELECT version FROM credit_subjects WHERE subject = :s", s=subject)
    return int(version) if version is not None else None


def credit_heartbeat_age(platform: Platform) -> float:
    """Seconds since the last heartbeat of data-sharing's credit feed in service-management's read model."""
    at = _sm_read(platform, "SELECT heartbeat_at FROM credit_feed WHERE id = 1")
    if at is None:
        return float("inf")
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return (dt.datetime.now(dt.UTC) - at).total_seconds()
