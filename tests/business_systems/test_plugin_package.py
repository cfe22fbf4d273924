"""A handler package installed from a folder is discovered through its entry point and used: the
department's business system loads it by name, runs its checks and issues its licence."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from business_systems.handlers import HandlerConfigurationError, installed_handler_names, load_handlers
from gov_common.events import EventTypes
from tests.business_systems.support import ITEM_PERMIT, Tokens, build_department

PACKAGE = Path(__file__).parent / "handler_package"
ENTRY_POINT = "residence-permit-test"


@pytest.fixture
def installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    assert ENTRY_POINT not in installed_handler_names()
    with pytest.raises(HandlerConfigurationError):
        load_handlers([ENTRY_POINT])
    source = tmp_path / "package"
    shutil.copytree(PACKAGE, source)  # building writes into the source tree; keep the repository clean
    target = tmp_path / "site-packages"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        timeout=240,
    )
    monkeypatch.syspath_prepend(str(target))
    yield target
    sys.modules.pop("gov_test_residence_handler", None)


def test_a_package_installed_from_a_folder_is_discovered_and_used(installed_package: Path, tmp_path: Path) -> None:
    assert ENTRY_POINT in installed_handler_names()
    tokens = Tokens()
    for psb in build_department(tmp_path, tokens, code="psb", handlers=[ENTRY_POINT]):
        [described] = psb.client.get("/readyz").json()["checks"]["handlers"]
        assert described["name"] == ENTRY_POINT and described["item_codes"] == [ITEM_PERMIT]
        assert described["distribution"] == "gov-test-residence-handler" and described["version"] == "1.2.3"

        short = psb.file(item_code=ITEM_PERMIT, form={"residence_address": "示范县人民路2号", "residence_months": 2})
        work = psb.client.get(f"/api/v1/work-items/{short}", headers=psb.as_("reviewer")).json()
        assert work["handler"] == ENTRY_POINT
        assert [(f["field"], f["message"]) for f in work["findings"]] == [("form.residence_months", "居住未满半年")]

        case_no = psb.file(item_code=ITEM_PERMIT, form={"residence_address": "示范县人民路2号", "residence_months": 12})
        assert psb.client.get(f"/api/v1/work-items/{case_no}", headers=psb.as_("reviewer")).json()["findings"] == []
        decided = psb.client.post(
            f"/api/v1/cases/{case_no}/decision",
            headers=psb.as_("reviewer"),
            json={"decision": "approve", "opinion": "准予"},
        )
        assert decided.status_code == 200, decided.text
        [approved] = psb.events(EventTypes.CASE_APPROVED, case_no)
        licence = approved.data["license"]
        assert licence["fields"] == {"holder": "张三", "address": "示范县人民路2号"} and licence["trust_level"] == "B"
        validity = datetime.fromisoformat(licence["valid_until"]) - datetime.fromisoformat(approved.data["decided_at"])
        assert validity == timedelta(days=365)
