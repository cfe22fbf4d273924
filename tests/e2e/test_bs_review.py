"""A department's review through the gateway, in both run modes: the department admin configures a
three-step chain, the case goes 承办 → 审核 (sent back once) → 批准 by three people, staff attach a
file the applicant can download, and the case concludes with the licence the item's handler made."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.bs_support import APPLICANTS, staff, wait_in_worklist
from tests.e2e.platform import FOOD_FORM, ITEM_REVIEWED, Applicant, Platform

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
CHAIN = f"/api/v1/review-chains/{ITEM_REVIEWED}"


@pytest.fixture
def three_step_chain(platform: Platform) -> Iterator[Platform]:
    with platform.client() as client:
        admin = staff(client, "deptadmin-amr")
        steps = [
            {"name": "handle", "role": "handler"},
            {"name": "review", "role": "reviewer"},
            {"name": "approve", "role": "approver"},
        ]
        response = client.put(CHAIN, headers=admin, json={"steps": steps})
        assert response.status_code == 200, response.text
        try:
            yield platform
        finally:
            # Other tests expect the default chain (one reviewer decides) for this item.
            assert client.delete(CHAIN, headers=admin).status_code == 204


def _act(
    client: httpx.Client, who: dict[str, str], case_no: str, step: int, action: str, opinion: str
) -> httpx.Response:
    return client.post(
        f"/api/v1/work-items/{case_no}/actions", headers=who, json={"step": step, "action": action, "opinion": opinion}
    )


def test_a_three_step_chain_with_a_send_back_concludes_with_the_handlers_licence(three_step_chain: Platform) -> None:
    with three_step_chain.client() as client:
        applicant = Applicant(client, APPLICANTS[2], name="郑三")
        case_no = applicant.file(ITEM_REVIEWED, FOOD_FORM)
        handler, reviewer, approver = (staff(client, f"{r}-amr") for r in ("handler", "reviewer", "approver"))
        entry = wait_in_worklist(client, handler, case_no)
        assert entry["step"] == {"no": 1, "name": "handle", "label": "承办", "role": "handler", "total": 3}

        # Staff attach a site-inspection record; bytes that are not what the name claims are refused.
        refused = client.post(
            f"/api/v1/work-items/{case_no}/attachments",
            headers=handler,
            files={"file": ("核查.pdf", PNG, "application/pdf")},
        )
        assert refused.status_code == 415 and refused.json()["errors"][0]["field"] == "file"
        uploaded = client.post(
            f"/api/v1/work-items/{case_no}/attachments",
            headers=handler,
            files={"file": ("现场核查记录.pdf", PDF, "application/pdf")},
        )
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()["file_id"]

        assert _act(client, reviewer, case_no, 1, "pass", "越级").status_code == 403
        assert _act(client, handler, case_no, 1, "pass", "材料齐全，拟同意").status_code == 200
        back = _act(client, reviewer, case_no, 2, "send_back", "请补充现场照片")
        assert back.status_code == 200 and back.json()["current_step"] == 1
        assert wait_in_worklist(client, handler, case_no)["last_action"]["opinion"] == "请补充现场照片"
        assert _act(client, handler, case_no, 1, "pass", "已补充").status_code == 200
        assert _act(client, reviewer, case_no, 2, "pass", "审核通过").status_code == 200
        assert applicant.case(case_no)["status"] == "dispatched"  # not decided before the last step
        approved = _act(client, approver, case_no, 3, "approve", "准予许可")
        assert approved.status_code == 200, approved.text
        work = approved.json()
        assert [(a["step_no"], a["action"]) for a in work["actions"]] == [
            (1, "pass"),
            (2, "send_back"),
            (1, "pass"),
            (2, "pass"),
            (3, "approve"),
        ]
        assert work["license_content"]["fields"]["main_form"] == "餐饮服务经营者"
        assert work["license_content"]["trust_level"] == "A" and work["license_content"]["valid_until"]

        case = applicant.wait_for(case_no, "concluded")
        assert case["license_no"]
        done = client.get("/api/v1/worklist/done", headers=handler).json()
        assert case_no in [d["case"]["case_no"] for d in done]

        # The applicant downloads the department's file through the gateway; nobody else can.
        path = f"/api/v1/departments/amr/cases/{case_no}/attachments"
        assert [a["file_id"] for a in client.get(path, headers=applicant.headers).json()] == [file_id]
        download = client.get(f"{path}/{file_id}", headers=applicant.headers)
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-disposition"].startswith("attachment;")
        stranger = Applicant(client, APPLICANTS[3], name="冯四")
        assert client.get(f"{path}/{file_id}", headers=stranger.headers).status_code == 404
        assert client.get(f"{path}/{file_id}").status_code == 401
        psb = staff(client, "reviewer-psb")
        assert client.get(f"/api/v1/work-items/{case_no}/attachments/{file_id}", headers=psb).status_code == 404


def test_only_the_department_admin_configures_chains(platform: Platform) -> None:
    with platform.client() as client:
        body = {"steps": [{"name": "approve", "role": "approver"}]}
        assert client.put(CHAIN, headers=staff(client, "reviewer-amr"), json=body).status_code == 403
        bad = client.put(
            CHAIN, headers=staff(client, "deptadmin-amr"), json={"steps": [{"name": "approve", "role": "clerk"}]}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "steps.0.role"
        chain = client.get(CHAIN, headers=staff(client, "deptadmin-amr")).json()
        assert chain["configured"] is False and chain["steps"][0]["role"] == "reviewer"
        assert (
            client.get("/api/v1/handlers", headers=staff(client, "reviewer-amr")).json()[1]["name"] == "food-business"
        )
