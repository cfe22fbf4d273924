"""Running a case's BPMN process: started at filing, advanced by intake, events and staff, stored
after every step (`case_workflows`) so that any replica, or the service after a restart, resumes it.

Within the filing's unit of work the process just started is kept in memory (`_FRESH`): accepting
the case at once advances that object instead of reading back and parsing the row not yet written,
and `forget`, at the end of the filing, serialises it once into the row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from gov_common.auth import Principal
from gov_common.errors import Conflict, InvalidField, NotFound
from gov_common.workdays import WorkCalendar, deadline
from service_management.models import Case, CaseState, CaseWorkflow, Item, ProcessDefinition
from service_management.rules import variables
from service_management.supervision.calendar import load_calendar
from service_management.versions import KeptVersions
from service_management.workflow import engine

DEFAULT_CODE = ""  # process_definitions.item_code of the platform's default process
# session.info key: {case id: CaseWorkflow} read with their locked case (`remember`).
_LOADED = "service_management.loaded_workflows"
# session.info key: {case id: _Fresh} for the processes started in this unit of work (`start` to `forget`).
_FRESH = "service_management.fresh_workflows"


@dataclass(frozen=True)
class DefinitionVersion:
    """A stored process definition as a case's process needs it. A row of `process_definitions` is never
    changed once written (a new upload is a new version), so `current_definition_version` keeps each version it
    reads for the life of the process (`_VERSIONS`, service_management.versions)."""

    id: int
    process_id: str
    bpmn_xml: str
    time_limits: Mapping[str, int]


# The versions `current_definition_version` has read.
_VERSIONS: KeptVersions[DefinitionVersion] = KeptVersions()
_definitions = cast(Table, ProcessDefinition.__table__)


def _select_current_definition(*columns: Any) -> Any:
    """The item's latest process, else the platform's default one (`item_code` bound when executed)."""
    return (
        select(*columns)
        .where(_definitions.c.item_code.in_([bindparam("item_code"), DEFAULT_CODE]))
        .order_by((_definitions.c.item_code == DEFAULT_CODE).asc(), _definitions.c.version.desc())
        .limit(1)
    )


_CURRENT_DEFINITION = _select_current_definition(ProcessDefinition)
# Which version that is, without the definition itself.
_CURRENT_DEFINITION_ID = _select_current_definition(_definitions.c.id, _definitions.c.created_at)
_DEFINITION_BY_ID = select(
    _definitions.c.id, _definitions.c.process_id, _definitions.c.bpmn_xml, _definitions.c.time_limits
).where(_definitions.c.id == bindparam("id"))


@dataclass
class _Fresh:
    row: CaseWorkflow
    workflow: Any  # BpmnWorkflow
    definition: DefinitionVersion | None


@dataclass
class Transition:
    entered: dict[str, str] = field(default_factory=dict)  # state -> name
    left: set[str] = field(default_factory=set)
    completed: bool = False
    data: dict[str, Any] = field(default_factory=dict)


def current_definition(session: Session, item_code: str) -> ProcessDefinition | None:
    """The item's latest process, else the platform's default one: one query."""
    return session.scalars(_CURRENT_DEFINITION, {"item_code": item_code}).first()


def current_definition_version(session: Session, item_code: str) -> DefinitionVersion | None:
    """The process a case of `item_code` filed now runs (that of `current_definition`): a read of its id,
    and of the definition itself only the first time this process meets that version."""
    current = session.execute(_CURRENT_DEFINITION_ID, {"item_code": item_code}).first()
    if current is None:
        return None
    return _VERSIONS.get(current.id, current.created_at, lambda: version_by_id(session, current.id))


def version_by_id(session: Session, definition_id: int) -> DefinitionVersion | None:
    row = session.execute(_DEFINITION_BY_ID, {"id": definition_id}).first()
    if row is None:
        return None
    return DefinitionVersion(
        id=row.id,
        process_id=row.process_id,
        bpmn_xml=row.bpmn_xml,
        time_limits=MappingProxyType(dict(row.time_limits or {})),
    )


def list_definitions(session: Session, item_code: str) -> list[ProcessDefinition]:
    return list(
        session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.item_code == item_code)
            .order_by(ProcessDefinition.version)
        ).all()
    )


def upload_definition(
    session: Session, *, principal: Principal, item_code: str, bpmn_xml: str, time_limits: dict[str, int]
) -> ProcessDefinition:
    try:
        parsed = engine.check_definition(bpmn_xml.encode("utf-8"))
    except engine.DefinitionError as exc:
        raise InvalidField("bpmn_xml", str(exc), element=exc.element) from None
    for state, days in time_limits.items():
        if state not in parsed.user_tasks:
            raise InvalidField(f"time_limits.{state}", f"流程中没有名为 {state!r} 的人工环节（userTask）")
        if days < 0 or days > 365:
            raise InvalidField(f"time_limits.{state}", "办理时限应为 0 至 365 个工作日")
    latest = list_definitions(session, item_code)
    definition = ProcessDefinition(
        item_code=item_code,
        version=(latest[-1].version + 1) if latest else 1,
        process_id=parsed.process_id,
        bpmn_xml=bpmn_xml,
        time_limits=time_limits,
        created_by=principal.name,
    )
    session.add(definition)
    session.flush()
    return definition


def _enter(
    session: Session,
    case: Case,
    states: dict[str, str],
    limits: dict[str, int],
    calendar: WorkCalendar | None,
    now: dt.datetime,
) -> None:
    for state, name in states.items():
        days = limits.get(state)
        if days is not None:
            calendar = calendar or load_calendar(session)
        due = deadline(calendar, now, days).due_at if days is not None and calendar is not None else None
        session.add(CaseState(case_id=case.id, state=state, name=name, entered_at=now, due_at=due))


# The stored open states of a case marked left: one statement object, its values as parameters.
_STATES = cast(Table, CaseState.__table__)
_LEAVE_STATES = (
    update(_STATES)
    .where(
        _STATES.c.case_id == bindparam("of_case"),
        _STATES.c.left_at.is_(None),
        _STATES.c.state.in_(bindparam("left_states", expanding=True)),
    )
    .values(left_at=bindparam("left_now"))
)


def _leave(session: Session, case: Case, states: set[str], now: dt.datetime, *, stored: bool = True) -> None:
    """Mark the case's open `states` left: those entered in this unit of work and not written yet in
    memory, the stored ones with one UPDATE (none when the case's process was started in this unit
    of work: `stored=False`)."""
    if not states:
        return
    for row in session.new:
        if isinstance(row, CaseState) and row.case_id == case.id and row.left_at is None and row.state in states:
            row.left_at = now
    if stored:
        # Core, not ORM-enabled: nothing in memory to synchronise (the stored rows are not loaded here).
        session.execute(_LEAVE_STATES, {"of_case": case.id, "left_states": sorted(states), "left_now": now})


def _limits(definition: DefinitionVersion | None) -> dict[str, int]:
    return dict(definition.time_limits or {}) if definition else {}


def start(
    session: Session, *, case: Case, data: dict[str, Any], calendar: WorkCalendar | None, now: dt.datetime
) -> Transition:
    """Start the case's process; it stays in memory for this unit of work until `forget`."""
    definition = current_definition_version(session, case.item_code)
    xml = definition.bpmn_xml.encode("utf-8") if definition else engine.DEFAULT_BPMN
    process_id = definition.process_id if definition else "case"
    with _conditions(session, case):
        workflow = engine.new_workflow(xml, process_id, data)
    row = CaseWorkflow(
        case_id=case.id,
        definition_id=definition.id if definition else None,
        state="",  # serialised by `forget`
        completed=workflow.completed,
        updated_at=now,
    )
    session.add(row)
    session.info.setdefault(_FRESH, {})[case.id] = _Fresh(row, workflow, definition)
    entered = engine.ready_states(workflow)
    _enter(session, case, entered, _limits(definition), calendar, now)
    return Transition(entered=entered, completed=bool(workflow.completed), data=engine.process_data(workflow))


@contextmanager
def _conditions(session: Session, case: Case) -> Iterator[None]:
    """A condition of the item's process that gives no true/false for this case stops the unit of work
    with a 409 naming the process (nothing of it is kept): the definition needs mending, not the case.
    The item is named by its name and the condition by the Chinese names of the variables it reads
    (rules/variables.py, the list staff pick them from)."""
    try:
        yield
    except engine.ConditionError as exc:
        item = session.get(Item, case.item_id)
        labels = variables.labels(item, "process") if item else {}
        name = f"“{item.name}”" if item else case.item_code
        raise Conflict(
            f"事项{name}的办理流程无法继续：{engine.describe(exc.expression, exc.reason, labels)}，"
            "请事项管理员修正流程定义",
            field="process",
            code="process_condition_invalid",
        ) from None


def _source(session: Session, row: CaseWorkflow) -> tuple[bytes, str]:
    """The definition a stored process runs (read only when its parsed spec is not cached)."""
    definition = version_by_id(session, row.definition_id) if row.definition_id else None
    if definition is None:
        return engine.DEFAULT_BPMN, "case"
    return definition.bpmn_xml.encode("utf-8"), definition.process_id


def remember(session: Session, row: CaseWorkflow) -> None:
    """The process row read with its locked case (`load_case(..., workflow=True)`): `advance` and
    `is_completed` use it instead of reading it again (the session's identity map keeps no
    unchanged object alive by itself)."""
    session.info.setdefault(_LOADED, {})[row.case_id] = row


def forget(session: Session, case: Case) -> None:
    """End of the unit of work that started the case's process (every filing calls it before it is
    written): the process is serialised into its row, and later units of work read it from there."""
    fresh: _Fresh | None = session.info.get(_FRESH, {}).pop(case.id, None)
    if fresh is not None:
        fresh.row.state = engine.dump(fresh.workflow)


def _row(session: Session, case: Case) -> CaseWorkflow:
    """The case's process row: the one `load_case(..., workflow=True)` loaded with the locked case, else read."""
    loaded: CaseWorkflow | None = session.info.get(_LOADED, {}).get(case.id)
    if loaded is not None:
        return loaded
    row = session.scalars(select(CaseWorkflow).where(CaseWorkflow.case_id == case.id).with_for_update()).first()
    if row is None:
        raise NotFound(f"办件 {case.case_no} 没有办理流程")
    return row


def waiting_states(session: Session, case: Case) -> list[str]:
    return list(
        session.scalars(select(CaseState.state).where(CaseState.case_id == case.id, CaseState.left_at.is_(None))).all()
    )


def advance(
    session: Session,
    *,
    case: Case,
    state: str,
    data: dict[str, Any],
    calendar: WorkCalendar | None,
    now: dt.datetime,
) -> Transition | None:
    """Complete the waiting state `state` with `data`; None when the case does not wait there.
    `calendar`: None to read it only if a state with a time limit is entered."""
    fresh: _Fresh | None = session.info.get(_FRESH, {}).get(case.id)
    if fresh is not None:
        row, workflow = fresh.row, fresh.workflow
    else:
        row = _row(session, case)
        workflow = engine.load(row.state, lambda: _source(session, row))
    before = engine.ready_states(workflow)
    with _conditions(session, case):
        if not engine.complete(workflow, state, data):
            return None
    after = engine.ready_states(workflow)
    if fresh is None:
        row.state = engine.dump(workflow)
    row.completed = bool(workflow.completed)
    row.updated_at = now
    left = set(before) - set(after) | {state}
    entered = {s: n for s, n in after.items() if s not in before}
    _leave(session, case, left, now, stored=fresh is None)
    if entered:
        if fresh is not None:
            definition = fresh.definition
        else:
            definition = version_by_id(session, row.definition_id) if row.definition_id else None
        _enter(session, case, entered, _limits(definition), calendar, now)
    return Transition(entered=entered, left=left, completed=row.completed, data=engine.process_data(workflow))


def require_waiting(session: Session, case: Case, state: str) -> None:
    if state not in waiting_states(session, case):
        raise Conflict(f"办件 {case.case_no} 不在 {state!r} 环节等待", field="task_id")


def is_completed(session: Session, case: Case) -> bool:
    row: CaseWorkflow | None = session.info.get(_LOADED, {}).get(case.id)
    if row is None:
        row = session.scalars(select(CaseWorkflow).where(CaseWorkflow.case_id == case.id)).first()
    return bool(row and row.completed)
