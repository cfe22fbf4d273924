"""One-window intake through the gateway: a walk-in applicant, a supplement with an uploaded
material, acceptance, the department's decision, the licence and an evaluation; a rejection."""

from __future__ import annotations

from tests.e2e.platform import BUSINESS_FORM, FOOD_FORM, ITEM_INSTANT, ITEM_REVIEWED, Platform
from tests.service_management.e2e_helpers import fresh_applicant, staff, wait_until

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_window_case_with_supplement_decision_licence_and_evaluation(platform: Platform) -> None:
    with platform.client() as client:
        applicant = fresh_applicant(client, "钱窗口")
        clerk = staff(client, "clerk")
        response = client.post(
            "/api/v1/intake/cases",
            json={
                "item_code": ITEM_REVIEWED,
                "applicant": {"type": "person", "id_number": applicant.id_number, "name": "钱窗口"},
                "form": FOOD_FORM,
            },
            headers=clerk,
        )
        assert response.status_code == 201, response.text
        case_no = response.json()["case_no"]
        assert case_no in [
            c["case_no"] for c in client.get("/api/v1/intake/queue", params={"page_size": 100}, headers=clerk).json()
        ]

        asked = client.post(
            f"/api/v1/intake/cases/{case_no}/supplement",
            json={"missing": ["BJT"], "note": "请补充设备布局图"},
            headers=clerk,
        )
        assert asked.status_code == 200 and asked.json()["status"] == "supplement_requested"
        assert applicant.case(case_no)["clock"]["state"] == "paused"  # the applicant sees their window case

        upload = client.post(
            "/api/v1/files", files={"file": ("layout.pdf", PDF, "application/pdf")}, headers=applicant.headers
        )
        assert upload.status_code == 201, upload.text  # multipart passes through the gateway unchanged
        file_id = upload.json()["file_id"]
        supplemented = client.post(
            f"/api/v1/cases/{case_no}/supplement",
            json={"materials": [{"code": "BJT", "file_id": file_id}]},
            headers=applicant.headers,
        )
        assert supplemented.status_code == 200, supplemented.text
        # At the window the signed form and commitment are scanned before acceptance; without them, 409.
        refused = client.post(f"/api/v1/intake/cases/{case_no}/accept", json={"note": "材料齐全"}, headers=clerk)
        assert refused.status_code == 409 and refused.json()["missing"] == ["SQS", "GLZD"], refused.text
        scan = client.post("/api/v1/files", files={"file": ("scan.pdf", PDF, "application/pdf")}, headers=clerk)
        assert scan.status_code == 201, scan.text
        scans = [{"code": code, "file_id": scan.json()["file_id"]} for code in ("SQS", "GLZD")]
        accepted = client.post(
            f"/api/v1/intake/cases/{case_no}/accept", json={"note": "材料齐全", "materials": scans}, headers=clerk
        )
        assert accepted.status_code == 200 and accepted.json()["status"] == "dispatched", accepted.text
        download = client.get(f"/api/v1/cases/{case_no}/materials/{file_id}", headers=applicant.headers)
        assert download.status_code == 200 and download.content == PDF

        reviewer = staff(client, "reviewer-amr")
        wait_until(
            lambda: client.get("/api/v1/worklist", params={"page_size": 100}, headers=reviewer).json(),
            lambda items: case_no in [w["case_no"] for w in items],
        )
        decided = client.post(
            f"/api/v1/cases/{case_no}/decision", headers=reviewer, json={"decision": "approve", "opinion": "准予许可"}
        )
        assert decided.status_code == 200, decided.text
        case = applicant.wait_for(case_no, "concluded")
        assert [s["status"] for s in case["timeline"]] == [
            "submitted",
            "supplement_requested",
            "submitted",
            "accepted",
            "dispatched",
            "approved",
            "concluded",
        ]
        assert case["license_no"] and case["clock"]["state"] == "stopped"

        rated = client.post(
            f"/api/v1/cases/{case_no}/evaluation",
            json={"rating": 1, "reasons": ["repeated_visits"], "comment": "跑了两次"},
            headers=applicant.headers,
        )
        assert rated.status_code == 201 and rated.json()["rectification_id"]
        tasks = client.get("/api/v1/rectifications", params={"page_size": 100}, headers=staff(client, "admin")).json()
        assert case_no in [t["case_no"] for t in tasks]


def test_window_rejection(platform: Platform) -> None:
    with platform.client() as client:
        applicant = fresh_applicant(client, "孙拒绝")
        clerk = staff(client, "clerk")
        case_no = client.post(
            "/api/v1/intake/cases",
            json={
                "item_code": ITEM_REVIEWED,
                "applicant": {"type": "person", "id_number": applicant.id_number, "name": "孙拒绝"},
                "form": FOOD_FORM,
            },
            headers=clerk,
        ).json()["case_no"]
        rejected = client.post(
            f"/api/v1/intake/cases/{case_no}/reject", json={"reason": "经营场所位于禁设区域"}, headers=clerk
        )
        assert rejected.status_code == 200
        case = applicant.case(case_no)
        assert case["status"] == "rejected" and case["reason"] == "经营场所位于禁设区域"
        assert case["timeline"][-1]["actor"] == "综合窗口人员"


def test_a_licence_the_applicant_holds_stands_for_a_material(platform: Platform) -> None:
    with platform.client() as client:
        holder = fresh_applicant(client, "冯持证")
        license_no = holder.wait_for(holder.file(ITEM_INSTANT, BUSINESS_FORM), "concluded")["license_no"]
        body = {
            "item_code": ITEM_REVIEWED,
            "form": FOOD_FORM,
            "materials": [{"code": "YYZZ", "license_no": license_no}],
        }
        filed = client.post("/api/v1/cases", json=body, headers=holder.headers)
        assert filed.status_code == 201, filed.text  # checked with data-sharing's licence library
        materials = holder.case(filed.json()["case_no"])["materials"]
        assert [(m["code"], m["license_no"]) for m in materials] == [("YYZZ", license_no)]

        other = fresh_applicant(client, "陈冒用")
        refused = client.post("/api/v1/cases", json=body, headers=other.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "materials[0].license_no"
