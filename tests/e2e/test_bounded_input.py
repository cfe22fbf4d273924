"""Bounded input through the real front door (both modes): a body over its route's limit is refused
with 413 before it is read, by the gateway before anything is forwarded; a form answer over its
bound is refused with 422 naming the field, and nothing is kept."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from tests.e2e.platform import ADULTS, BUSINESS_FORM, ITEM_INSTANT, Applicant, Platform

MIB = 1024 * 1024


def _connect(platform: Platform) -> socket.socket:
    url = urlsplit(platform.base_url)
    return socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, object]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed without an answer"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    assert headers["content-type"] == "application/problem+json", headers
    return int(lines[0].split()[1]), dict(json.loads(body))


def test_an_anonymous_200_mb_registration_is_refused_before_a_byte_of_it_is_read(platform: Platform) -> None:
    with _connect(platform) as sock:
        sock.sendall(
            b"POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {200 * MIB}\r\n\r\n".encode()
        )
        status, problem = _read_response(sock)  # the body was never sent
    assert status == 413 and problem["code"] == "body_too_large" and problem["max_bytes"] == MIB


def test_a_streamed_case_is_cut_off_at_the_front_door(platform: Platform) -> None:
    """50 MB of form offered in chunks with no length; once twice the limit is sent the client waits.
    The gateway answers 413 without the rest, and nothing reaches service-management."""
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[5], name="钱多多")
        before = client.get("/api/v1/cases", headers=applicant.headers).headers.get("x-total-count")
    with _connect(platform) as sock:
        sock.sendall(
            b"POST /api/v1/cases HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: {applicant.headers['Authorization']}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        opening = json.dumps({"item_code": ITEM_INSTANT, "form": {**BUSINESS_FORM, "business_scope": ""}})[:-3]
        sock.sendall(f"{len(opening):x}\r\n{opening}\r\n".encode())
        chunk = b"x" * (64 * 1024)
        for _ in range(2 * MIB // len(chunk)):  # of the 50 MB, only twice the limit is ever sent
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        status, problem = _read_response(sock)
    assert status == 413 and problem["max_bytes"] == MIB
    with platform.client() as client:
        assert client.get("/api/v1/cases", headers=applicant.headers).headers.get("x-total-count") == before


def test_an_upload_has_its_own_limit_at_the_front_door(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[5], name="钱多多")
        # Over the JSON limit, within the upload limit: the service judges the file itself.
        pdf = {"file": ("a.pdf", b"%PDF-1.4\n" + b"0" * (2 * MIB), "application/pdf")}
        stored = client.post("/api/v1/files", files=pdf, headers=applicant.headers)
        assert stored.status_code == 201, stored.text
        refused = client.post(
            "/api/v1/files",
            files={"file": ("a.pdf", b"%PDF-1.4\n" + b"0" * (11 * MIB), "application/pdf")},
            headers=applicant.headers,
        )
        assert refused.status_code == 413, refused.text
        assert refused.json()["code"] == "body_too_large" and refused.json()["errors"][0]["field"] == "file"


def test_a_form_answer_over_its_bound_is_refused_naming_it_and_not_kept(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[5], name="钱多多")
        before = client.get("/api/v1/cases", headers=applicant.headers).headers.get("x-total-count")
        for form, field, code in [
            ({**BUSINESS_FORM, "business_name": "店" * 501}, "form.business_name", "form_too_long"),
            ({**BUSINESS_FORM, "business_scope": "小" * 5001}, "form.business_scope", "form_too_long"),
            ({**BUSINESS_FORM, "business_name": "小吃店\x7f"}, "form.business_name", "form_control_character"),
            ({**BUSINESS_FORM, "capital": 2**60}, "form.capital", "form_number_out_of_range"),
        ]:
            response = client.post(
                "/api/v1/cases", json={"item_code": ITEM_INSTANT, "form": form}, headers=applicant.headers
            )
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["field"] == field and response.json()["errors"][0]["code"] == code
        assert client.get("/api/v1/cases", headers=applicant.headers).headers.get("x-total-count") == before
