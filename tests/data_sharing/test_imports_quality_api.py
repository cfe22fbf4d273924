"""CSV imports of the registries (row-by-row rejection with reasons, partial and all-or-nothing) and
the quality reports made after each import and on demand. On PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from tests.data_sharing.conftest import DataSharing, Tokens

GOOD_A = "110101199001011210"  # 东城区
GOOD_B = "320102198505054215"  # 玄武区
BAD_CHECK_DIGIT = "110101199001011211"


def _import(ds: DataSharing, headers: dict[str, str], resource: str, csv: str, mode: str = "partial") -> dict:  # type: ignore[type-arg]
    response = ds.client.post(
        f"/api/v1/registries/{resource}/imports",
        params={"mode": mode},
        content=csv.encode("utf-8"),
        headers={**headers, "content-type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


PEOPLE = (
    "id_number,name,household_division_code,residence_address,phone\n"
    f"{GOOD_A},赵六,110101,浙江省杭州市桐庐县迎春路1号,13600136000\n"
    f"{BAD_CHECK_DIGIT},孙七,110101,浙江省杭州市桐庐县迎春路2号,13600136001\n"
    f"{GOOD_B},周八,999999,浙江省杭州市桐庐县迎春路3号,13600136002\n"
    f"{GOOD_B},周八,320102,浙江省杭州市桐庐县迎春路3号,12345\n"
)


def test_an_import_with_a_bad_check_digit_is_rejected_row_by_row_with_reasons(
    pg_ds: DataSharing, tokens: Tokens
) -> None:
    report = _import(pg_ds, tokens.admin(), "population", PEOPLE)
    assert report["status"] == "partially_committed"
    assert (report["total_rows"], report["accepted_rows"], report["rejected_rows"]) == (4, 1, 3)
    errors = [(e["row"], e["field"]) for e in report["errors"]]
    assert errors == [(2, "id_number"), (3, "household_division_code"), (4, "phone")]
    assert "校验位" in report["errors"][0]["message"]
    assert "999999 does not exist" in report["errors"][1]["message"]
    admin = tokens.admin()
    assert pg_ds.client.get(f"/api/v1/registries/population/{GOOD_A}", headers=admin).json()["name"] == "赵六"
    assert pg_ds.client.get(f"/api/v1/registries/population/{GOOD_B}", headers=admin).status_code == 404
    again = pg_ds.client.get(f"/api/v1/registries/imports/{report['id']}", headers=admin).json()
    assert again["errors"] == report["errors"]


def test_all_or_nothing_stores_nothing_when_one_row_is_bad(pg_ds: DataSharing, tokens: Tokens) -> None:
    report = _import(pg_ds, tokens.admin(), "population", PEOPLE, mode="all_or_nothing")
    assert report["status"] == "rejected" and report["accepted_rows"] == 0 and report["rejected_rows"] == 3
    assert report["quality_report_id"] is None
    assert pg_ds.client.get(f"/api/v1/registries/population/{GOOD_A}", headers=tokens.admin()).status_code == 404
    clean = "\n".join(PEOPLE.splitlines()[:2]) + "\n"
    assert _import(pg_ds, tokens.admin(), "population", clean, mode="all_or_nothing")["status"] == "committed"


def test_divisions_import_parents_first_and_validates_the_hierarchy(pg_ds: DataSharing, tokens: Tokens) -> None:
    csv = (
        "code,name,parent_code\n"
        "340000,安徽省,\n"
        "340100,合肥市,340000\n"
        "340102,瑶海区,340100\n"
        "340103,庐阳区,340200\n"  # its parent does not exist
        "340104,蜀山区,330100\n"  # not its prefix ancestor
    )
    report = _import(pg_ds, tokens.admin(), "divisions", csv)
    assert report["accepted_rows"] == 3 and [e["row"] for e in report["errors"]] == [4, 5]
    division = pg_ds.client.get("/api/v1/registries/divisions/340102", headers=tokens.admin()).json()
    assert [a["code"] for a in division["ancestors"]] == ["340000", "340100"] and division["level"] == "county"
    children = pg_ds.client.get("/api/v1/registries/divisions", params={"parent": "330100"}, headers=tokens.admin())
    assert "330122" in [d["code"] for d in children.json()]


def test_imports_are_for_the_owner_and_the_file_must_fit_the_registry(pg_ds: DataSharing, tokens: Tokens) -> None:
    client = pg_ds.client
    url = "/api/v1/registries/population/imports"
    csv_headers = {"content-type": "text/csv"}
    amr = tokens.staff("department_admin", department="amr")
    assert client.post(url, content=PEOPLE.encode(), headers={**amr, **csv_headers}).status_code == 403
    psb = tokens.staff("department_admin", department="psb")
    assert client.post(url, content=PEOPLE.encode(), headers={**psb, **csv_headers}).status_code == 201
    odd = client.post(url, content=b"id_number,name,shoe_size\n", headers={**psb, **csv_headers})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "columns"
    missing = client.post(url, content=b"id_number,name\n", headers={**psb, **csv_headers})
    assert missing.status_code == 422 and "household_division_code" in missing.json()["detail"]
    latin1 = client.post(url, content="id_number,name\n1,é\n".encode("latin-1"), headers={**psb, **csv_headers})
    assert latin1.status_code == 422 and latin1.json()["errors"][0]["field"] == "body"
    assert client.post("/api/v1/registries/nothing/imports", content=b"a\n", headers=psb).status_code == 404
    bad_mode = client.post(url, params={"mode": "some"}, content=PEOPLE.encode(), headers={**psb, **csv_headers})
    assert bad_mode.status_code == 422 and bad_mode.json()["errors"][0]["field"] == "mode"


def test_a_quality_report_follows_each_import_and_is_made_on_demand(pg_ds: DataSharing, tokens: Tokens) -> None:
    csv = (
        "id_number,name,household_division_code,residence_address\n"
        f"{GOOD_A},赵六,110101,桐庐县迎春路1号\n"
        "110105198001010016,赵六,110105,桐庐县迎春路1号\n"  # same name, different birth date: no duplicate
        f"{GOOD_B},周八,320102,\n"
    )
    report = _import(pg_ds, tokens.admin(), "population", csv)
    quality = pg_ds.client.get(f"/api/v1/quality/reports/{report['quality_report_id']}", headers=tokens.admin()).json()
    assert quality["trigger"] == "import" and quality["import_id"] == report["id"]
    assert report["rejected_rows"] == 0, report["errors"]
    assert quality["records"] == 6  # the three demo persons and these three
    assert quality["validity"]["invalid_records"] == 0 and quality["duplicates"]["groups"] == 0
    assert quality["completeness"]["fields"]["residence_address"] == round(5 / 6, 4)
    assert quality["completeness"]["fields"]["ethnicity"] == round(3 / 6, 4)

    # Data that went bad after its import (edited in place) and a suspected duplicate show on demand.
    with pg_ds.runtime.db.session() as session:
        session.execute(text("UPDATE persons SET phone = 'abc' WHERE id_number = :n"), {"n": GOOD_A})
        session.execute(
            text(
                "UPDATE persons SET name = '赵六', birth_date = '1990-01-01', residence_address = '桐庐县迎春路1号' "
                "WHERE id_number = :n"
            ),
            {"n": GOOD_B},
        )
    made = pg_ds.client.post("/api/v1/quality/reports", headers=tokens.admin(), json={"resource": "population"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["trigger"] == "on_demand" and body["validity"]["invalid_records"] == 2, body["validity"]
    violations = [(v["field"], v["rule"], v["count"], v["examples"]) for v in body["validity"]["violations"]]
    assert violations == [
        ("birth_date", "consistent_with_id_number", 1, ["320102********4215"]),  # masked
        ("phone", "pattern", 1, ["110101********1210"]),
    ]
    assert body["duplicates"]["groups"] == 1 and body["duplicates"]["records"] == 2
    rules = pg_ds.client.get("/api/v1/quality/rules/population", headers=tokens.admin()).json()
    assert {"resident_id", "division_exists", "consistent_with_id_number", "duplicates"} <= {r["rule"] for r in rules}
    listed = pg_ds.client.get("/api/v1/quality/reports", params={"resource": "population"}, headers=tokens.admin())
    assert listed.headers["X-Total-Count"] == "2"
    assert (
        pg_ds.client.post(
            "/api/v1/quality/reports", headers=tokens.person(GOOD_A), json={"resource": "population"}
        ).status_code
        == 403
    )
    bad = pg_ds.client.post("/api/v1/quality/reports", headers=tokens.admin(), json={"resource": "licenses"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "resource"


def test_other_registries_import_and_answer_queries(pg_ds: DataSharing, tokens: Tokens) -> None:
    admin = tokens.admin()
    halls = (
        "code,name,division_code,address,longitude,latitude\n"
        "330127-HALL-01,淳安县行政服务中心,330127,淳安县千岛湖镇新安东路1号,119.042,29.609\n"
        "BAD HALL,某中心,330127,某路,0,0\n"
    )
    report = _import(pg_ds, admin, "service-halls", halls)
    assert report["accepted_rows"] == 1 and {e["field"] for e in report["errors"]} == {"code", "longitude", "latitude"}
    in_hangzhou = pg_ds.client.get("/api/v1/registries/service-halls", params={"division": "330100"}, headers=admin)
    assert {"330122-HALL-01", "330127-HALL-01", "330100-HALL-01"} == {h["code"] for h in in_hangzhou.json()}
    indicators = (
        "indicator_code,indicator_name,division_code,period,value,unit\n"
        "GDP,地区生产总值,330127,2024,301.2,亿元\n"
        "GDP,地区生产总值,330127,2024,302.0,亿元\n"  # the same key twice in one file
    )
    report = _import(pg_ds, admin, "economic-indicators", indicators)
    assert report["accepted_rows"] == 1 and report["errors"][0]["message"] == "the same key as row 1 of this file"
    series = pg_ds.client.get(
        "/api/v1/registries/economic-indicators",
        params={"indicator": "GDP", "division": "330122", "period_from": "2024"},
        headers=admin,
    ).json()
    assert series == [
        {
            "indicator_code": "GDP",
            "indicator_name": "地区生产总值",
            "division_code": "330122",
            "period": "2024",
            "value": 492.1,
            "unit": "亿元",
        }
    ]
    entities = (
        "uscc,name,entity_type,legal_representative,division_code\n"
        "91330100MA27Y1Q9P3,杭州某科技有限公司,enterprise,王五,330100\n"
        "91330100MA27Y1Q9P4,杭州某某有限公司,enterprise,王五,330100\n"
    )
    report = _import(pg_ds, admin, "legal-entities", entities)
    assert report["accepted_rows"] == 1 and report["errors"][0]["field"] == "uscc"
    entity = pg_ds.client.get("/api/v1/registries/legal-entities/91330100MA27Y1Q9P3", headers=admin).json()
    assert entity["status"] == "active" and entity["legal_representative"] == "王五"
