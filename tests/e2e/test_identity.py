"""Identity on the whole platform (both run modes, issue #11): an impostor cannot register under
a registered person's number, and an entity acts through its legal representative — the case it
files records who acted for it."""

from __future__ import annotations

import httpx

from tests.e2e.platform import ADULTS, FOOD_FORM, ITEM_REVIEWED, Applicant, Platform

TEA_COMPANY = "91330122MA28D0K3XN"  # demo legal-entity registry: representative 钱多多 (ADULTS[5])


def test_an_impostor_is_refused_and_an_entity_files_through_its_representative(platform: Platform) -> None:
    with platform.client() as client:
        impostor = client.post(
            "/api/v1/auth/register",
            json={"account_type": "person", "id_number": ADULTS[1], "name": "冒名者", "phone": "13811112222"}
            | {"password": "secret-pass-1"},
        )
        assert impostor.status_code == 422 and impostor.json()["code"] == "identity_mismatch", impostor.text

        representative = Applicant(client, ADULTS[5], name="钱多多").raise_by_phone()
        opened = client.post("/api/v1/entities", json={"uscc": TEA_COMPANY}, headers=representative.headers)
        assert opened.status_code in (201, 409), opened.text  # the platform is shared by the session's tests
        acting = client.post("/api/v1/auth/act-as", json={"uscc": TEA_COMPANY}, headers=representative.headers)
        assert acting.status_code == 200, acting.text
        company = {"Authorization": f"Bearer {acting.json()['access_token']}"}

        filed = client.post("/api/v1/cases", json={"item_code": ITEM_REVIEWED, "form": FOOD_FORM}, headers=company)
        assert filed.status_code == 201, filed.text
        case = _case(client, filed.json()["case_no"], company)
        assert (case["applicant_type"], case["applicant_id_number"]) == ("entity", TEA_COMPANY)
        assert (case["acting_id_number"], case["acting_name"]) == (ADULTS[5], "钱多多")
        assert case["timeline"][0]["actor"] == "钱多多（代表桐庐富春江茶业有限公司）"
        # The entity's wallet, at the representative's level (L2).
        assert client.get("/api/v1/licenses", headers=company).status_code == 200


def _case(client: httpx.Client, case_no: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/cases/{case_no}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())
