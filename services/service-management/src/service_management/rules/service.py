"""Decision tables as versioned data, and the instant-approval check at dispatch with its stored
explanation. A black-listed applicant, or one whose credit status is not known, is never
instantly approved, whatever the table says; a credit status that data-sharing could not give
because of an outage decides nothing: the check answers 503 (the request is tried again)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from gov_common import decisions as engine
from gov_common.auth import Principal
from gov_common.contracts.events import CaseApproved
from gov_common.errors import InvalidField, NotFound, ServiceUnavailable
from gov_common.pagination import PageRequest
from service_management.deps import check_department
from service_management.models import Case, CaseDecision, DecisionTable, Item
from service_management.rules import variables
from service_management.rules.credit import CreditStatus
from service_management.versions import KeptVersions

log = logging.getLogger("service_management.rules")

# Decisions are only added, never read back in the unit of work that adds them: a Core INSERT (values
# as parameters of this one statement object), not an ORM object for the unit of work to flush.
_INSERT_DECISION = insert(cast(Table, CaseDecision.__table__))

_FACT_PATH = re.compile(r"^facts\.([A-Za-z0-9_.\[\]]+)：")

INSTANT_CHECK = "instant_approval_check"
AUTOMATED_APPROVAL = "automated_approval"


class CreditUnavailable(ServiceUnavailable):
    """The instant-approval check cannot be made: data-sharing's credit library is unavailable."""

    code = "credit_unavailable"


_tables = cast(Table, DecisionTable.__table__)


def _select_current_table(*columns: Any) -> Any:
    """The item's latest decision table (`item_code` bound when executed)."""
    return (
        select(*columns)
        .where(_tables.c.item_code == bindparam("item_code"))
        .order_by(_tables.c.version.desc())
        .limit(1)
    )


# Built once, executed with the code as a parameter: the table, and which version it is (every filing).
_CURRENT_TABLE = _select_current_table(DecisionTable)
_CURRENT_TABLE_ID = _select_current_table(_tables.c.id, _tables.c.created_at)


def current_table(session: Session, item_code: str) -> DecisionTable | None:
    return session.scalars(_CURRENT_TABLE, {"item_code": item_code}).first()


@dataclass(frozen=True)
class TableVersion:
    """A stored decision table as a filing's instant-approval check needs it. A row of `decision_tables`
    is never changed once written (an edit is a new version), so `current_table_version` keeps each
    version it reads for the life of the process; `graph` is shared: read it, never change it."""

    id: int
    version: int
    graph: dict[str, Any]


# The versions `current_table_version` has read (service_management.versions).
_TABLES: KeptVersions[TableVersion] = KeptVersions()
_TABLE_BY_ID = select(_tables.c.id, _tables.c.version, _tables.c.graph).where(_tables.c.id == bindparam("id"))


def current_table_version(session: Session, item_code: str) -> TableVersion | None:
    """The item's current decision table (that of `current_table`): a read of its id, and of the table
    itself only the first time this process meets that version."""
    current = session.execute(_CURRENT_TABLE_ID, {"item_code": item_code}).first()
    if current is None:
        return None
    return _TABLES.get(current.id, current.created_at, lambda: _table_by_id(session, current.id))


def _table_by_id(session: Session, table_id: int) -> TableVersion | None:
    row = session.execute(_TABLE_BY_ID, {"id": table_id}).first()
    return None if row is None else TableVersion(id=row.id, version=row.version, graph=row.graph)


def current_version(session: Session, item_code: str) -> int | None:
    table = current_table(session, item_code)
    return table.version if table else None


def list_tables(session: Session, item_code: str, *, page: PageRequest) -> tuple[list[DecisionTable], int]:
    query = select(DecisionTable).where(DecisionTable.item_code == item_code)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(DecisionTable.version).offset(page.offset).limit(page.page_size)).all()
    return list(rows), total


def get_table(session: Session, item_code: str, version: int) -> DecisionTable:
    table = session.scalars(
        select(DecisionTable).where(DecisionTable.item_code == item_code, DecisionTable.version == version)
    ).first()
    if table is None:
        raise NotFound(f"事项 {item_code} 没有第 {version} 版决策表", field="version")
    return table


def _item(session: Session, item_code: str) -> Item:
    item = session.scalars(select(Item).where(Item.code == item_code).order_by(Item.version.desc()).limit(1)).first()
    if item is None:
        raise NotFound(f"事项 {item_code} 不存在", field="item_code")
    return item


def rule_problem(exc: engine.RuleError, labels: dict[str, str]) -> str:
    """The engine's refusal in Chinese with each fact named as staff pick it (rules/variables.py): a
    column that has no name of its own (`applicant.age`) and a fact's path (`facts.form.capital`)."""
    text = str(exc)
    if isinstance(exc, engine.ExpressionError) and exc.column in labels:
        text = text.replace(f"“{exc.column}”列", f"“{labels[exc.column]}”列")
    if match := _FACT_PATH.match(text):
        path = match.group(1)
        text = f"{labels.get(path, f'“{path}”')}：{text[match.end() :]}"
    return text


def save_table(
    session: Session, *, principal: Principal | None, item_code: str, graph: dict[str, Any], comment: str
) -> DecisionTable:
    """A new version of the item's decision table; it applies to cases dispatched from now on."""
    item = _item(session, item_code)
    if principal is not None:
        check_department(principal, item.department_code)
    try:
        engine.check_graph(graph)
        engine.check_expressions(graph)
        engine.evaluate(graph, {"applicant": {}, "form": {}})  # compiles, and runs on empty facts
    except engine.ExpressionError as exc:
        if exc.engine_detail:
            log.info("decision table of %s refused: %s: %s", item_code, exc, exc.engine_detail)
        problem = rule_problem(exc, variables.labels(item, "decision_table"))
        raise InvalidField("graph", f"决策表不可用：{problem}", code=exc.code, location=exc.location()) from None
    except engine.RuleError as exc:
        problem = rule_problem(exc, variables.labels(item, "decision_table"))
        raise InvalidField("graph", f"决策表不可用：{problem}") from None
    latest = current_version(session, item_code) or 0
    table = DecisionTable(
        item_code=item_code,
        version=latest + 1,
        graph=graph,
        comment=comment,
        created_by=principal.name if principal else "system",
    )
    session.add(table)
    # The item rows carry the table in force, for readers of the item.
    session.execute(update(Item).where(Item.code == item_code).values(rule=graph, rule_version=table.version))
    session.flush()
    return table


def facts_for(case: Case, *, age: int | None, credit: CreditStatus) -> dict[str, Any]:
    applicant: dict[str, Any] = {"type": case.applicant_type, "credit": credit.facts()}
    if age is not None:
        applicant["age"] = age
    return {"applicant": applicant, "form": dict(case.form)}


def instant_approval_check(
    session: Session,
    *,
    case: Case,
    item: Item,
    facts: dict[str, Any],
    credit: CreditStatus,
    now: dt.datetime,
    table: TableVersion | None,
) -> bool:
    """May the department approve this case instantly (by `table`, the item's current decision
    table)? Stores the explanation on the case."""
    if not item.instant_approval:
        return False
    if credit.unavailable:
        # An outage is no fact about the applicant: rather than "not instant", nothing is decided and
        # the whole unit of work (the filing, the acceptance) is refused, to be tried again.
        raise CreditUnavailable(f"暂时无法查询申请人的信用状况（{credit.detail}），请稍后重试")
    output: dict[str, Any] = {}
    eligible = False
    reason = ""
    if table is None:
        reason = "事项未配置决策表，转人工审核"
    else:
        try:
            decision = engine.evaluate(table.graph, facts)
            output = {**decision.output, "trace": decision.trace}
            eligible, reason = decision.eligible, decision.reason
        except engine.RuleError as exc:
            output, reason = (
                {"error": rule_problem(exc, variables.labels(item, "decision_table"))},
                "决策表无法求值，转人工审核",
            )
    allowed = credit.known and not credit.black_listed
    if not credit.known:
        explanation = f"申请人信用状况无法核验（{credit.detail or '数据共享平台无应答'}），不予秒批，转人工审核"
    elif credit.black_listed:
        explanation = "申请人在失信黑名单中，不予秒批，转人工审核"
    else:
        explanation = reason
    session.execute(
        _INSERT_DECISION,
        {
            "case_id": case.id,
            "kind": INSTANT_CHECK,
            "rule_version": table.version if table else None,
            "inputs": facts,
            "output": {**output, "credit_known": credit.known, "instant_allowed": allowed},
            "instant": allowed and eligible,
            "explanation": explanation,
            "at": now,
        },
    )
    return allowed


def record_automated_approval(session: Session, *, case: Case, approval: CaseApproved, now: dt.datetime) -> None:
    rule = approval.rule
    session.execute(
        _INSERT_DECISION,
        {
            "case_id": case.id,
            "kind": AUTOMATED_APPROVAL,
            "rule_version": rule.version if rule else None,
            "inputs": rule.inputs if rule else {},
            "output": {
                "eligible": True,
                "decided_by": approval.decided_by,
                "department": approval.department_code,
            },
            "instant": True,
            "explanation": approval.opinion or "符合秒批条件",
            "at": now,
        },
    )


def evaluate_for_test(
    session: Session, *, item_code: str, facts: dict[str, Any], version: int | None
) -> dict[str, Any]:
    table = get_table(session, item_code, version) if version else current_table(session, item_code)
    if table is None:
        raise NotFound(f"事项 {item_code} 尚未配置决策表", field="item_code")
    try:
        decision = engine.evaluate(table.graph, facts)
    except engine.RuleError as exc:
        problem = rule_problem(exc, variables.labels(_item(session, item_code), "decision_table"))
        raise InvalidField("facts", f"无法用这些数据计算决策表：{problem}") from None
    return {
        "version": table.version,
        "eligible": decision.eligible,
        "reason": decision.reason,
        "output": decision.output,
        "trace": decision.trace,
    }
