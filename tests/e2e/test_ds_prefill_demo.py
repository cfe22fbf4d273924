"""信息多跑路 on the demo data: an applicant in the population registry starts an application
and finds the form already filled from the registry."""

from __future__ import annotations

from tests.e2e.platform import ADULTS, ITEM_PSB_INSTANT, Applicant, Platform


def test_the_residence_permit_form_is_prefilled_from_the_population_registry(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, ADULTS[1], name="李四")  # in the demo population registry
        at_l1 = client.get(f"/api/v1/items/{ITEM_PSB_INSTANT}/prefill", headers=applicant.headers)
        assert at_l1.status_code == 403 and at_l1.json()["required_level"] == 2  # registry data needs L2
        applicant.raise_by_phone()
        response = client.get(f"/api/v1/items/{ITEM_PSB_INSTANT}/prefill", headers=applicant.headers)
        assert response.status_code == 200, response.text
        assert response.json()["form"]["residence_address"] == "浙江省杭州市桐庐县旧县街道富春路12号"

        # Not in the registry: verified at a window (L3), and nothing to fill.
        stranger = Applicant(client, ADULTS[3], name="孙七").verified_at_window("孙七")
        empty = client.get(f"/api/v1/items/{ITEM_PSB_INSTANT}/prefill", headers=stranger.headers)
        assert empty.status_code == 200 and "residence_address" not in empty.json()["form"]
