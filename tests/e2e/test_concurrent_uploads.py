"""The same scan uploaded several times at once (a window clerk scanning one signed page for two
materials; a browser sending both at once) is stored once and every upload answers 201, in both
run modes. Seen in CI: the second insert of (file, uploader) first broke the unique key (500);
then, done on the event loop, it waited on the first upload's uncommitted row while that upload
needed the loop to commit — every upload stuck until the lock or the gateway timed out."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.platform import DEMO_PASSWORD, Platform, login

ROUNDS, AT_ONCE = 3, 6


def test_identical_uploads_at_once_all_succeed_and_are_stored_once(platform: Platform) -> None:
    with platform.client() as client:
        clerk = login(client, "clerk", DEMO_PASSWORD)

    def upload(data: bytes) -> tuple[int, str]:
        with platform.client() as own:
            response = own.post(
                "/api/v1/files", files={"file": ("scan.pdf", data, "application/pdf")}, headers=clerk, timeout=60
            )
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        for _ in range(ROUNDS):
            scan = b"%PDF-1.4\n%" + secrets.token_hex(16).encode() + b"\ntrailer<<>>\n%%EOF\n"  # new content each round
            answers = list(pool.map(upload, [scan] * AT_ONCE))
            assert [status for status, _ in answers] == [201] * AT_ONCE, answers
            assert len({text for _, text in answers}) == 1  # one file id, type and size for all
