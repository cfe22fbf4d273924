"""A department admin configures review chains for their own department's items only (through the
gateway, which asks service-management's catalogue whose an item is, in both run modes): psb's
admin is refused amr's item (403 naming it) and an item that does not exist (404), and nothing is
stored in psb's business system; their own item is configured as before."""

from __future__ import annotations

from tests.e2e.bs_support import staff
from tests.e2e.platform import ITEM_PSB_INSTANT, ITEM_REVIEWED, Platform

ONE_STEP = {"steps": [{"name": "approve", "role": "approver"}]}


def test_a_department_admin_configures_chains_of_their_own_items_only(platform: Platform) -> None:
    with platform.client() as client:
        psb_admin = staff(client, "deptadmin-psb")

        foreign = client.put(f"/api/v1/review-chains/{ITEM_REVIEWED}", headers=psb_admin, json=ONE_STEP)
        assert foreign.status_code == 403, foreign.text
        assert foreign.headers["content-type"].startswith("application/problem+json")
        error = foreign.json()["errors"][0]
        assert error["field"] == "item_code" and error["code"] == "item_of_another_department"
        assert "amr" in foreign.json()["detail"]

        missing = client.put("/api/v1/review-chains/330122-PSB-XK-9999", headers=psb_admin, json=ONE_STEP)
        assert missing.status_code == 404 and missing.json()["code"] == "item_not_found", missing.text

        listed = client.get("/api/v1/review-chains", headers=psb_admin)
        assert ITEM_REVIEWED not in [c["item_code"] for c in listed.json()], "nothing stored in psb's system"

        own = client.put(f"/api/v1/review-chains/{ITEM_PSB_INSTANT}", headers=psb_admin, json=ONE_STEP)
        assert own.status_code == 200 and own.json()["configured"] is True, own.text
        assert client.delete(f"/api/v1/review-chains/{ITEM_PSB_INSTANT}", headers=psb_admin).status_code == 204
