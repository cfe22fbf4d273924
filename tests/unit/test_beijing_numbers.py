"""Case, bundle and licence numbers carry the Beijing date (the date the pages show beside them): at 01:35 on
5 December in Beijing (17:35 UTC on the 4th) they are dated the 5th."""

from __future__ import annotations

import datetime as dt

from data_sharing.licenses.service import new_license_no
from service_management.cases.service import new_case_no

BEIJING_01_35_ON_THE_5TH = dt.datetime(2026, 12, 4, 17, 35, tzinfo=dt.UTC)
BEIJING_23_59_ON_THE_4TH = dt.datetime(2026, 12, 4, 15, 59, tzinfo=dt.UTC)


def test_a_case_number_is_dated_in_beijing_time() -> None:
    assert new_case_no(BEIJING_01_35_ON_THE_5TH)[:8] == "20261205"
    assert new_case_no(BEIJING_23_59_ON_THE_4TH)[:8] == "20261204"


def test_a_licence_number_is_dated_in_beijing_time() -> None:
    assert new_license_no("amr", BEIJING_01_35_ON_THE_5TH).startswith("AMR-20261205-")
    assert new_license_no("amr", BEIJING_23_59_ON_THE_4TH).startswith("AMR-20261204-")
