"""The legal entities a person represents (名下的企业、个体工商户), read for that person's
personalised services: the person reads their own, nobody else's, and every read is in the audit
log with the person as its subject."""

from __future__ import annotations

from tests.data_sharing.conftest import QIAN, ZHANG_SAN, DataSharing, Tokens

PATH = f"/api/v1/registries/population/{ZHANG_SAN}/legal-entities"
PURPOSE = "个性化服务：为申请人本人推荐主题服务和免申即享事项"


def test_a_person_reads_the_entities_they_represent_and_the_read_is_audited(
    sqlite_ds: DataSharing, tokens: Tokens
) -> None:
    client = sqlite_ds.client
    mine = client.get(PATH, params={"purpose": PURPOSE}, headers=tokens.person(ZHANG_SAN))
    assert mine.status_code == 200, mine.text
    assert [(e["name"], e["entity_type"]) for e in mine.json()] == [("桐庐县张三小吃店", "individual_business")]

    other = client.get(PATH, headers=tokens.person(QIAN, "钱多多"))
    assert other.status_code == 403 and other.headers["content-type"].startswith("application/problem+json")
    assert client.get(PATH, headers=tokens.person(ZHANG_SAN, level=1)).status_code == 403  # below L2
    bad = client.get("/api/v1/registries/population/123/legal-entities", headers=tokens.person(ZHANG_SAN))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_number"

    entries = client.get(
        "/api/v1/audit/entries", params={"subject": ZHANG_SAN, "page_size": 100}, headers=tokens.admin()
    ).json()
    assert [(e["resource"], e["outcome"]) for e in entries if e["purpose"] == PURPOSE] == [
        ("legal-entities", "allowed")
    ]
    assert any(e["outcome"] == "refused" for e in entries)  # 钱多多's attempt on 张三's records
