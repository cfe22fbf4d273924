"""The load's retry budget (tests/chaos/load.py): a client keeps coming back to an honest 503 for RETRY_BUDGET
seconds after its submission was due and after the last fault recovered, and gives up only then. The platform
is a fake transport here: what is checked is the load generator's own rule."""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from tests.chaos.load import RETRY_BUDGET, Client, Submission, submit_until_accepted


def _client(recover_at: float) -> Client:
    """A platform that answers 503 with `Retry-After: 0.1` until `recover_at` (epoch seconds), then 201."""

    def answer(request: httpx.Request) -> httpx.Response:
        if time.time() < recover_at:
            return httpx.Response(503, headers={"Retry-After": "0.1"}, json={"code": "unavailable"})
        return httpx.Response(201, json={"case_no": "202612060000000001"})

    client = Client("http://platform.test")
    client.http = httpx.AsyncClient(base_url=client.base_url, transport=httpx.MockTransport(answer))
    return client


async def _submit(client: Client, due: float, quiet_since: float | None) -> Submission:
    s = Submission(index=0, applicant=0, due=due)
    try:
        if quiet_since is None:
            await submit_until_accepted(client, s, {}, asyncio.Semaphore(1), random.Random(1))
        else:
            await submit_until_accepted(client, s, {}, asyncio.Semaphore(1), random.Random(1), lambda: quiet_since)
    finally:
        await client.aclose()
    return s


def test_a_submission_whose_budget_ran_out_before_the_platform_came_back_gives_up() -> None:
    now = time.time()
    s = asyncio.run(_submit(_client(recover_at=now + 1.0), due=now - RETRY_BUDGET + 0.3, quiet_since=None))
    assert s.ended == "gave up"
    assert {a.status for a in s.attempts} == {"503"}


def test_a_fault_recovered_lately_gives_the_submission_its_budget_again() -> None:
    now = time.time()
    # Due almost RETRY_BUDGET ago, but the last fault recovered just now: it is retried until accepted.
    s = asyncio.run(_submit(_client(recover_at=now + 1.0), due=now - RETRY_BUDGET + 0.3, quiet_since=now))
    assert s.ended == "accepted"
    assert s.attempts[-1].status == "201" and len(s.attempts) > 2
