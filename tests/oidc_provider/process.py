"""Starts and stops the test OpenID provider (`server.mjs`, panva/oidc-provider) and plays the
person's browser at it: the log-in interaction in plain HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.platform import free_port

HERE = Path(__file__).resolve().parent
CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(message: str) -> None:
    if CI:
        pytest.fail(message)
    pytest.skip(message)


def ensure_installed() -> None:
    """`npm ci` in this folder once (make test runs it too); without Node.js the tests skip, or
    fail under CI."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("Node.js 20+ with npm is needed for the test OpenID provider (tests/oidc_provider)")
    if (HERE / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],  # noqa: S607 - npm from PATH, as make test uses it
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci in {HERE} failed:\n{done.stdout}\n{done.stderr}")


@dataclass
class OidcProvider:
    """One provider process on loopback, with one confidential client and the given accounts
    (`{"<account id>": {"name": ..., "id_number": ...}}`)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    accounts: dict[str, dict[str, Any]]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> OidcProvider:  # a limit for a hang: a busy machine took over 30 s
        ensure_installed()
        env = os.environ | {
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_REDIRECT_URI": self.redirect_uri,
            "OIDC_ACCOUNTS": json.dumps(self.accounts),
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["node", str(HERE / "server.mjs"), str(self.port)],  # noqa: S607
                cwd=HERE,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited:\n{self.log_path.read_text(errors='replace')}")
            try:
                if httpx.get(self.issuer + "/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the OpenID provider did not start:\n{self.log_path.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def log_in(self, authorization_url: str, account: str) -> str:
        """The person at the provider: follows the gateway's redirect, logs in as `account` and
        returns where the provider sends the browser back (the gateway's callback, with the code)."""
        with httpx.Client(timeout=10) as browser:
            interaction = self._interaction(browser, authorization_url)
            details = browser.get(interaction)
            assert details.status_code == 200, details.text
            assert details.json()["prompt"] == "login"
            finished = browser.post(interaction + "/login", data={"account": account})
            assert finished.status_code == 303, finished.text
            return self._back_to_client(browser, finished.headers["location"])

    def decline(self, authorization_url: str) -> str:
        """The person at the provider declines to sign in."""
        with httpx.Client(timeout=10) as browser:
            interaction = self._interaction(browser, authorization_url)
            finished = browser.post(interaction + "/abort")
            assert finished.status_code == 303, finished.text
            return self._back_to_client(browser, finished.headers["location"])

    def _interaction(self, browser: httpx.Client, authorization_url: str) -> str:
        assert authorization_url.startswith(self.issuer + "/"), authorization_url
        started = browser.get(authorization_url)
        assert started.status_code == 303, started.text
        return str(httpx.URL(self.issuer).join(started.headers["location"]))

    def _back_to_client(self, browser: httpx.Client, resume: str) -> str:
        answered = browser.get(httpx.URL(self.issuer).join(resume))
        assert answered.status_code == 303, answered.text
        location: str = answered.headers["location"]
        assert location.startswith(self.redirect_uri), location
        return location
