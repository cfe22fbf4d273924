"""The leaders' cockpit (领导驾驶舱) over HTTP: `GET /api/v1/cockpit/{view}`, thin over `queries`.

Who may read: the platform administrator and department administrators (there is no leader role;
a county leader is given the `admin` role). Privacy (docs/warehouse.md, "Cockpit"): a figure built
from fewer than 5 cases is suppressed wherever it is shown outside the department that owns the
cases: always for the administrator (county-wide), and for a department administrator everywhere
except their own department's figures (a view filtered to it, or a row that is it). Every query,
refused or answered, is recorded in the audit log before any figure is returned.

`?format=csv` or `?format=xlsx` exports the same rows as the JSON (a suppressed cell reads
"—（少于5件）" in the export as in the page).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from data_sharing.audit.service import Actor, AuditLog
from data_sharing.deps import Audit
from data_sharing.warehouse import queries as q
from gov_common.auth import CurrentPrincipal, Principal, Roles
from gov_common.errors import Forbidden, InvalidField
from gov_common.service import DbSession

router = APIRouter(prefix="/api/v1/cockpit", tags=["cockpit"])

RESOURCE = "warehouse"
SUPPRESSED = "—（少于5件）"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")  # as service-management's tabular exports

View = Literal["overview", "volumes", "funnel", "waits", "materials", "instant", "on-time", "satisfaction", "divisions"]

TITLES: dict[str, str] = {
    "overview": "总体概况",
    "volumes": "办件量趋势",
    "funnel": "办件漏斗",
    "waits": "各部门等待最久的环节",
    "materials": "补正最多的材料",
    "instant": "秒批占比",
    "on-time": "按时办结率",
    "satisfaction": "满意度",
    "divisions": "区划分布",
}

LABELS: dict[str, str] = {
    "period": "期间",
    "stage": "环节",
    "cases": "件数",
    "accepted": "受理",
    "decided": "办理完成（作出决定）",
    "concluded": "办结",
    "approved": "准予",
    "denied": "不予",
    "rejected": "不予受理",
    "instant": "秒批",
    "working_days": "工作日数",
    "share_of_submitted": "占申请比例",
    "department_code": "部门代码",
    "department_name": "部门",
    "step": "审批环节",
    "average_waiting_days": "平均等待（工作日）",
    "long_waits": "等待超5个工作日",
    "item_code": "事项编码",
    "item_name": "事项",
    "material_code": "材料编码",
    "material_name": "材料",
    "key": "代码",
    "name": "名称",
    "count": "数量",
    "share": "比例",
    "average_rating": "平均评分",
    "satisfied_share": "满意率（4–5分）",
    "level": "层级",
    "code": "代码",
    "instant_share": "秒批占比",
    "timed": "有时限办结件数",
    "on_time_rate": "按时办结率",
    "rated": "评价件数",
    "total_n": "办结件数（计时）",
    "average_total_days": "平均办理（工作日）",
    "supplemented_share": "补正比例",
    "suppressed": "已隐去小数",
}


def _actor_may_read(principal: Principal) -> bool:
    return principal.account_type == "staff" and principal.has_role(Roles.ADMIN, Roles.DEPARTMENT_ADMIN)


def _own_department(principal: Principal) -> str | None:
    """The department whose figures this reader sees unsuppressed (none for the administrator:
    the county-wide reader is outside every department)."""
    if principal.has_role(Roles.ADMIN):
        return None
    return principal.department


def _row_department(view: str, by: str | None, row: q.Row) -> str | None:
    if isinstance(row, q.WaitRow):
        return row.department_code
    if isinstance(row, q.DivisionRow) and row.level == "department":
        return row.code
    if isinstance(row, q.ShareRow | q.SatisfactionRow) and by == "department":
        return row.key
    return None


def _shown(rows: Sequence[q.Row], *, f: q.Filters, own: str | None, view: str, by: str | None) -> list[q.Row]:
    """Each row as the reader may see it: unsuppressed only where the cases are the reader's own
    department's (the whole view filtered to it, or a row that is that department)."""
    if own is not None and f.department_code == own:
        return list(rows)
    return [row if own is not None and _row_department(view, by, row) == own else q.suppress([row])[0] for row in rows]


def _filters(
    date_from: dt.date | None,
    date_to: dt.date | None,
    department: str | None,
    item: str | None,
    channel: str | None,
    division: str | None,
    division_level: q.Level | None,
) -> q.Filters:
    try:
        return q.Filters(
            date_from=date_from,
            date_to=date_to,
            department_code=department,
            item_code=item,
            channel=channel,
            division_code=division,
            division_level=division_level,
        )
    except ValueError as exc:
        name, _, detail = str(exc).partition(":")
        field = {"division_code": "division", "department_code": "department"}.get(name, name)
        raise InvalidField(field, detail.strip() or str(exc)) from None


def _query(view: str, f: q.Filters, *, period: str, by: str | None, limit: int) -> Callable[[Session], list[q.Row]]:
    """The query of a view; a grouping the view does not offer is refused naming `by`."""
    allowed_by = {
        "instant": ("item", "department", "channel"),
        "on-time": ("department", "item", "channel"),
        "satisfaction": ("item", "channel", "department"),
    }
    if view in allowed_by:
        choice = by or allowed_by[view][0]
        if choice not in allowed_by[view]:
            raise InvalidField("by", f"应为以下之一：{'、'.join(allowed_by[view])}")
    elif by is not None:
        raise InvalidField("by", f"{view} 视图不支持分组")
    queries: dict[str, Callable[[Session], Sequence[q.Row]]] = {
        "overview": lambda s: [q.overview(s, f)],
        "volumes": lambda s: q.volumes(s, f, period=period),  # type: ignore[arg-type]
        "funnel": lambda s: q.funnel(s, f),
        "waits": lambda s: q.longest_waits(s, f, per_department=limit),
        "materials": lambda s: q.supplement_materials(s, f, limit=limit),
        "instant": lambda s: q.instant_share(s, f, by=by or "item"),
        "on-time": lambda s: q.on_time_rate(s, f, by=by or "department"),
        "satisfaction": lambda s: q.satisfaction(s, f, by=by or "item"),
        "divisions": lambda s: q.by_division(s, f),
    }
    run = queries[view]
    return lambda s: list(run(s))


def _columns(view: str) -> tuple[list[str], list[str]]:
    """The view's columns (keys first, `suppressed` last) and its keys."""
    row_type: type[q.Row] = {
        "overview": q.Overview,
        "volumes": q.VolumeRow,
        "funnel": q.FunnelRow,
        "waits": q.WaitRow,
        "materials": q.MaterialRow,
        "instant": q.ShareRow,
        "on-time": q.ShareRow,
        "satisfaction": q.SatisfactionRow,
        "divisions": q.DivisionRow,
    }[view]
    fields = [fl.name for fl in dataclasses.fields(row_type)]
    keys = [k for k in row_type.KEYS if k in fields]
    rest = [n for n in fields if n not in keys and n != "suppressed"]
    return [*keys, *rest, "suppressed"], keys


def _record(audit: AuditLog, principal: Principal, view: str, f: q.Filters, outcome: str, reason: str | None) -> None:
    described = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dataclasses.asdict(f).items()}
    audit.record(
        actor=Actor.of(principal),
        action="read",
        resource=RESOURCE,
        fields=[f"cockpit:{view}", *(f"{k}={v}" for k, v in described.items() if v is not None)],
        subject=None,
        purpose="领导驾驶舱",
        outcome=outcome,
        reason=reason,
    )


def _cell(value: Any, row: dict[str, Any], column: str, keys: Sequence[str]) -> Any:
    if value is None and row["suppressed"] and column not in keys:
        return SUPPRESSED
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value  # shown as the text it is, never run as a formula
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _table(view: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    columns, keys = _columns(view)
    header = [LABELS.get(c, c) for c in columns]
    return header, [[_cell(r[c], r, c, keys) for c in columns] for r in rows]


def _csv(view: str, rows: list[dict[str, Any]]) -> bytes:
    header, body = _table(view, rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so that Excel reads the Chinese


def _xlsx(view: str, rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    header, body = _table(view, rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TITLES[view][:31]
    sheet.append(header)
    for line in body:
        sheet.append(line)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # never a formula (openpyxl takes text beginning with "=" for one)
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@router.get(
    "/{view}",
    responses={
        200: {"description": "The view's rows (JSON), or the export (`format=csv` / `format=xlsx`)"},
        403: {"description": "Only administrators and department administrators"},
        422: {"description": "A filter is malformed (the field is named)"},
    },
)
def cockpit_view(
    view: View,
    principal: CurrentPrincipal,
    session: DbSession,
    audit: Audit,
    date_from: Annotated[dt.date | None, Query(description="Filed on or after (inclusive)")] = None,
    date_to: Annotated[dt.date | None, Query(description="Filed on or before (inclusive)")] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    division: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="GB/T 2260 code (drill-down)")] = None,
    division_level: Annotated[q.Level | None, Query()] = None,
    period: Annotated[q.Period, Query(description="volumes: day, month, quarter, year")] = "month",
    by: Annotated[str | None, Query(max_length=16, description="instant, on-time, satisfaction: the grouping")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="waits: steps per department; materials: rows")] = 10,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """One cockpit view under the filters; small cells suppressed outside the owning department."""
    f = _filters(date_from, date_to, department, item, channel, division, division_level)
    if not _actor_may_read(principal):
        _record(audit, principal, view, f, "refused", "not an administrator or department administrator")
        raise Forbidden("领导驾驶舱仅限管理员和部门管理员查看")
    run = _query(view, f, period=period, by=by, limit=limit)
    _record(audit, principal, view, f, "allowed", None)
    own = _own_department(principal)
    rows = _shown(run(session), f=f, own=own, view=view, by=by)
    columns, _ = _columns(view)
    data = [{c: getattr(r, c) for c in columns} for r in rows]
    if format == "csv":
        return Response(
            _csv(view, data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="cockpit-{view}.csv"'},
        )
    if format == "xlsx":
        return Response(
            _xlsx(view, data),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="cockpit-{view}.xlsx"'},
        )
    return {
        "view": view,
        "title": TITLES[view],
        "columns": [{"field": c, "label": LABELS.get(c, c)} for c in columns],
        "min_cases": q.MIN_CASES,
        "unsuppressed_department": own,
        "rows": data,
    }
