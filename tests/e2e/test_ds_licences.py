"""An electronic licence's life through the gateway, in both run modes: issued from an approved case
at trust level A, in the holder's wallet with a QR code of its verification URL, usable for a later
application's material (prefill), checked, then revoked — after which it verifies as not valid."""

from __future__ import annotations

import io

import segno

from tests.e2e.platform import BUSINESS_FORM, DEMO_PASSWORD, ITEM_INSTANT, ITEM_REVIEWED, Applicant, Platform, login

HOLDER = "330122197511110036"  # not used by the other end-to-end tests


def test_a_licence_from_issue_to_revocation(platform: Platform) -> None:
    with platform.client() as client:
        applicant = Applicant(client, HOLDER, name="郑十").verified_at_window("郑十")
        case = applicant.wait_for(applicant.file(ITEM_INSTANT, BUSINESS_FORM), "concluded")
        license_no = case["license_no"]

        wallet = client.get("/api/v1/licenses", headers=applicant.headers, params={"status": "valid"})
        licence = next(x for x in wallet.json() if x["license_no"] == license_no)
        assert licence["trust_level"] == "A" and licence["license_type"] == "business_license"
        assert licence["verification_url"].endswith(f"/verify/{license_no}")  # the page, as the UI's codes

        png = client.get(f"/api/v1/licenses/{license_no}/qr.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        expected = io.BytesIO()
        segno.make(licence["verification_url"], error="m", micro=False).save(expected, kind="png", scale=5, border=4)
        assert png.content == expected.getvalue()
        svg = client.get(f"/api/v1/licenses/{license_no}/qr.svg")
        assert svg.status_code == 200 and b"<svg" in svg.content
        # A phone's browser that opens the API's address (printed on older codes) lands on the page.
        page = client.get(f"/api/v1/licenses/{license_no}/verify", headers={"Accept": "text/html,*/*;q=0.8"})
        assert page.status_code == 303 and page.headers["location"] == f"/verify/{license_no}"
        assert client.get(f"/api/v1/licenses/{license_no}/verify").json()["valid"] is True  # machines: JSON

        # Applying for the food business licence: the business licence satisfies its material.
        prefill = client.get(f"/api/v1/items/{ITEM_REVIEWED}/prefill", headers=applicant.headers)
        assert prefill.status_code == 200, prefill.text
        satisfied = {m["code"]: m["satisfied_by"] for m in prefill.json()["materials"]}
        assert license_no in satisfied.values()
        assert isinstance(prefill.json()["form"], dict)

        check = {
            "license_no": license_no,
            "holder_id_number": HOLDER,
            "accepted_types": ["business_license"],
            "min_trust_level": "A",
        }
        usable = client.post("/api/v1/licenses/check", headers=applicant.headers, json=check)
        assert usable.status_code == 200 and usable.json()["usable"] is True, usable.text

        psb = login(client, "reviewer-psb", DEMO_PASSWORD)
        reason = {"reason": "提交虚假材料取得登记"}
        assert client.post(f"/api/v1/licenses/{license_no}/revoke", headers=psb, json=reason).status_code == 404
        amr = login(client, "reviewer-amr", DEMO_PASSWORD)
        revoked = client.post(f"/api/v1/licenses/{license_no}/revoke", headers=amr, json=reason)
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked", revoked.text

        verification = client.get(f"/api/v1/licenses/{license_no}/verify").json()
        assert verification["valid"] is False and verification["status"] == "revoked"
        assert verification["signature_valid"] is True
        assert client.post("/api/v1/licenses/check", headers=applicant.headers, json=check).json()["usable"] is False
        after = client.get(f"/api/v1/items/{ITEM_REVIEWED}/prefill", headers=applicant.headers).json()
        assert license_no not in {m["satisfied_by"] for m in after["materials"]}

        # The holder sees that their licence was checked by the public.
        seen = client.get("/api/v1/audit/my-data-access", headers=applicant.headers).json()
        assert "anonymous" in {e["reader"]["kind"] for e in seen}
