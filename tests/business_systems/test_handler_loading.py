"""A deployment loads exactly the handlers it is configured for, reports them at start-up (log and
/readyz), and refuses to start when one cannot be loaded."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from business_systems.handlers import ENTRY_POINT_GROUP, HandlerConfigurationError, load_handlers
from business_systems.handlers import loader as loader_module
from business_systems.settings import Settings
from tests.business_systems.support import Department, Tokens, build_department


def _with_fakes(monkeypatch: pytest.MonkeyPatch, **fakes: str) -> None:
    real = list(entry_points(group=ENTRY_POINT_GROUP))
    extra = [
        EntryPoint(name, f"tests.business_systems.fake_handlers:{target}", ENTRY_POINT_GROUP)
        for name, target in fakes.items()
    ]
    monkeypatch.setattr(loader_module, "entry_points", lambda group: [*real, *extra])


def test_only_the_configured_handlers_are_loaded() -> None:
    registry = load_handlers(["food-business"])
    assert registry.names == ["food-business"]
    assert registry.for_item("330122-AMR-XK-0002")[0] == "food-business"
    assert registry.for_item("330122-AMR-XK-0001")[0] == "default"  # installed, but not configured
    assert load_handlers([]).names == []


def test_a_missing_handler_is_a_clear_error_naming_it_and_what_is_installed() -> None:
    with pytest.raises(HandlerConfigurationError) as error:
        load_handlers(["food-business", "parking-permit"])
    message = str(error.value)
    assert "'parking-permit'" in message and "BS_HANDLERS" in message
    assert "food-business" in message and "individual-business" in message  # what is installed


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("AlsoFoodBusiness", "claimed by two handlers"),
        ("FromTheFuture", "interface version 2"),
        ("NoItems", "declares no item codes"),
        ("NotAHandler", "is not a business_systems.handlers.ItemHandler"),
        ("Nowhere", "could not be imported"),
    ],
)
def test_a_handler_that_cannot_serve_stops_the_start(monkeypatch: pytest.MonkeyPatch, target: str, words: str) -> None:
    _with_fakes(monkeypatch, broken=target)
    with pytest.raises(HandlerConfigurationError, match=words):
        load_handlers(["food-business", "broken"])


def test_the_handler_list_is_read_from_json_or_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BS_HANDLERS", '["food-business", "individual-business"]')
    assert Settings(department_code="amr").handlers == ["food-business", "individual-business"]
    monkeypatch.setenv("BS_HANDLERS", "food-business, individual-business,food-business")
    assert Settings(department_code="amr").handlers == ["food-business", "individual-business"]
    monkeypatch.delenv("BS_HANDLERS")
    assert Settings(department_code="amr").handlers == []


def test_start_up_reports_the_loaded_handlers_in_the_log_and_readyz(
    tmp_path: Path, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="business_systems"):
        for amr in build_department(tmp_path, tokens, code="amr"):
            # Ready means started: the revocation list read, the relay running (readyz checks both).
            amr.runtime.start(worker=False)
            try:
                ready = amr.client.get("/readyz")
            finally:
                amr.runtime.stop()
            assert ready.status_code == 200, ready.text
            handlers = ready.json()["checks"]["handlers"]
            assert [(h["name"], h["item_codes"], h["distribution"]) for h in handlers] == [
                ("individual-business", ["330122-AMR-XK-0001"], "gov-amr-handlers"),
                ("food-business", ["330122-AMR-XK-0002"], "gov-amr-handlers"),
            ]
            listed = amr.client.get("/api/v1/handlers", headers=amr.as_("reviewer")).json()
            assert [h["name"] for h in listed] == ["individual-business", "food-business"]
    [record] = [r for r in caplog.records if r.getMessage().startswith("item handlers loaded")]
    assert "individual-business (330122-AMR-XK-0001)" in record.getMessage()
    assert [h["name"] for h in record.handlers] == ["individual-business", "food-business"]  # type: ignore[attr-defined]


def test_psb_without_handlers_reports_none(psb: Department) -> None:
    assert psb.client.get("/readyz").json()["checks"]["handlers"] == []


def test_the_service_refuses_to_start_with_a_missing_handler(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BS_DEPARTMENT_CODE": "amr",
        "BS_DATABASE_URL": f"sqlite:///{tmp_path / 'bs.db'}",
        "BS_LOCAL_BUS_PATH": str(tmp_path / "bus.db"),
        "BS_HANDLERS": "food-business,parking-permit",
    }
    result = subprocess.run(
        [sys.executable, "-m", "business_systems", "serve", "--migrate", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "cannot start: item handler 'parking-permit' is configured (BS_HANDLERS)" in result.stderr
    assert "Traceback" not in result.stderr
