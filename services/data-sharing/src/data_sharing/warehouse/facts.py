"""Events into facts, in one slot: each event sets only what it knows on its case's row, then every
derived figure is computed again from the row and its step and supplement rows, and the summaries
receive the difference between the case's old and new contributions.

So the same event twice changes nothing, and events of one case in any order give the same rows:
the figures never depend on the order in which the facts arrived.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from data_sharing.warehouse import associations
from data_sharing.warehouse import dimensions as dims
from data_sharing.warehouse.models import (
    CASE_MEASURES,
    LONG_WAIT_DAYS,
    SLOTTED,
    STEP_MEASURES,
    case_daily,
    case_fact,
    license_fact,
    resume_fact,
    step_daily,
    step_fact,
    supplement_daily,
    supplement_fact,
)
from data_sharing.warehouse.pseudonym import Pseudonyms
from data_sharing.warehouse.upsert import add_many, upsert, upsert_many
from gov_common.contracts.events import (
    EVENT_MODELS,
    Applicant,
    CaseAccepted,
    CaseApproved,
    CaseClockChanged,
    CaseConcluded,
    CaseDenied,
    CaseDispatched,
    CaseEscalated,
    CaseEvaluated,
    CaseEvent,
    CaseRejected,
    CaseSentBack,
    CaseStepCompleted,
    CaseSubmitted,
    CaseSupplementRequested,
    CaseTimeWarning,
    DispatchedApplicant,
    LicenseCancelled,
    LicenseExpired,
    LicenseIssued,
    LicenseRevoked,
    RequestedMaterial,
)
from gov_common.events import Event, EventTypes
from gov_common.identity import age_on
from gov_common.workdays import local_date

# Events service-management publishes besides those named in gov_common.events.
CASE_SUBMITTED = CaseSubmitted.TYPE
CASE_EVALUATED = CaseEvaluated.TYPE
CASE_TIME_WARNING = CaseTimeWarning.TYPE
CASE_ESCALATED = CaseEscalated.TYPE

AGE_BANDS = ((18, "0-17"), (30, "18-29"), (45, "30-44"), (60, "45-59"), (200, "60+"))

Row = dict[str, Any]
# The case events that name their parties (the applicant, the item).
_Parties = (
    CaseSubmitted | CaseAccepted | CaseRejected | CaseSupplementRequested | CaseApproved | CaseDenied | CaseConcluded
)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _time(value: dt.datetime | None, default: dt.datetime) -> dt.datetime:
    return _aware(value) if value is not None else default


def _event_time(event: Event) -> dt.datetime:
    return _aware(event.time)


def age_band(applicant_type: str | None, id_number: str | None, on: dt.date) -> str | None:
    if applicant_type != "person" or not id_number or len(id_number) != 18:
        return None
    try:
        age = age_on(id_number, on)
    except ValueError:
        return None
    return next(band for limit, band in AGE_BANDS if age < limit)


def _applicant(session: Session, applicant: Applicant | DispatchedApplicant | None, at: dt.datetime) -> Row:
    """The applicant as the warehouse keeps them: type, age band and division, never their identity."""
    if applicant is None:
        return {}
    kind = applicant.type
    number = applicant.number.strip().upper() if applicant.number else None
    out: Row = {"applicant_type": kind}
    division = dims.division_of(kind, number)
    if division:
        dims.ensure_division(session, division)
        out["division_code"] = division
    band = age_band(kind, number, local_date(at))
    if band:
        out["age_band"] = band
    return out


def _item(
    session: Session,
    *,
    code: str | None,
    name: str | None,
    department: str | None = None,
    version: int | None = None,
) -> Row:
    out: Row = {}
    if code:
        out["item_code"] = code
        dims.ensure_item(session, code=code, name=name, department_code=department, version=version)
        if version is not None:
            out["item_version"] = version
    if department:
        out["department_code"] = department
        dims.ensure_department(session, department)
    return out


def _parties_item(
    session: Session, data: _Parties, *, department: str | None = None, version: int | None = None
) -> Row:
    code = data.item_code or (data.item.code if data.item is not None else None)
    return _item(session, code=code, name=data.item_name, department=department, version=version)


def _due(row: Row, due: dt.datetime | None, at: dt.datetime) -> Row:
    """The latest due time told (a resumed clock moves it): the newest event's wins."""
    if due is None or (row.get("due_as_of") is not None and row["due_as_of"] > at):
        return {}
    return {"due_at": _aware(due), "due_as_of": at}


# ---------------------------------------------------------------------------------------------
# What each event sets


def _submitted(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data = CaseSubmitted.of(event)
    at = _time(data.submitted_at, _event_time(event))
    item = _parties_item(session, data, department=data.department_code, version=data.item_version)
    out = {**item, **_applicant(session, data.applicant, at), "submitted_at": at, **_due(row, data.due_at, at)}
    if data.channel is not None:
        out["channel"] = data.channel
    if data.committed_days is not None:
        out["committed_days"] = data.committed_days
    return out


def _accepted(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data, at = CaseAccepted.of(event), _event_time(event)
    return {
        **_fill(row, _parties_item(session, data)),
        **_fill(row, _applicant(session, data.applicant, at)),
        "accepted_at": at,
    }


def _rejected(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data, at = CaseRejected.of(event), _event_time(event)
    out = {**_fill(row, _parties_item(session, data)), **_fill(row, _applicant(session, data.applicant, at))}
    return {**out, "rejected_at": at, "outcome": "rejected"}


def _dispatched(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data, at = CaseDispatched.of(event), _event_time(event)
    item = _item(
        session, code=data.item_code, name=data.item_name, department=data.department_code, version=data.item_version
    )
    out: Row = {**item, **_fill(row, _applicant(session, data.applicant, at)), "dispatched_at": at}
    out["instant_allowed"] = data.instant_approval
    if data.committed_days is not None:
        out["committed_days"] = data.committed_days
    return {**out, **_due(row, data.due_at, at)}


def _supplement_requested(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data, at = CaseSupplementRequested.of(event), _event_time(event)
    materials = [m for m in data.materials if isinstance(m, RequestedMaterial) and m.code]
    item = _parties_item(session, data)
    if item.get("item_code"):
        dims.ensure_materials(session, item["item_code"], [m.model_dump(mode="json") for m in materials])
    for m in materials:
        rows.add_supplement(
            {
                "slot": rows.slot,
                "case_no": rows.case_no,
                "requested_at": at,
                "material_code": m.code[:64],
                "material_name": (m.name or m.code)[:200],
                "supplied_at": None,
            }
        )
    # A resume told before this request (another order of delivery) belongs to it if it came later.
    return {**_fill(row, item), **_fill(row, _applicant(session, data.applicant, at))}


def _clock_changed(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data, at = CaseClockChanged.of(event), _event_time(event)
    if not data.paused and not data.stopped:
        rows.add_resume(at)
    return _due(row, data.due_at, at)


def supplied(requests: list[dt.datetime], resumes: list[dt.datetime]) -> dict[dt.datetime, dt.datetime | None]:
    """Each request is supplied by the first resumption after it and before the next request."""
    out: dict[dt.datetime, dt.datetime | None] = {}
    ordered = sorted(set(requests))
    for n, requested in enumerate(ordered):
        following = ordered[n + 1] if n + 1 < len(ordered) else None
        out[requested] = next(
            (r for r in sorted(resumes) if r >= requested and (following is None or r <= following)), None
        )
    return out


def _step(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data: CaseStepCompleted | CaseSentBack
    if event.type == EventTypes.CASE_SENT_BACK:
        data = CaseSentBack.of(event)
        action, label = "sent_back", None
    else:
        data = CaseStepCompleted.of(event)
        action, label = (data.action or "done")[:16], data.step_label
    department = data.department_code
    if department is None or data.step_no is None:
        return {}
    rows.add_step(
        {
            "slot": rows.slot,
            "case_no": rows.case_no,
            "department_code": department,
            "step_no": data.step_no,
            "left_at": _time(data.at, _event_time(event)),
            "step": (data.step or "")[:64],
            "step_label": label[:100] if label else None,
            "action": action,
            "entered_at": None,
            "waiting_days": None,
        }
    )
    dims.ensure_department(session, department)
    return {}


def _decided(session: Session, row: Row, data: CaseApproved | CaseDenied, event: Event) -> Row:
    out: Row = {
        **_fill(row, _parties_item(session, data, department=data.department_code)),
        **_fill(row, _applicant(session, data.applicant, _event_time(event))),
    }
    out["decided_at"] = _time(data.decided_at, _event_time(event))
    out["instant"] = data.automated
    return out


def _approved(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    return {**_decided(session, row, CaseApproved.of(event), event), "outcome": "approved"}


def _denied(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    out = _decided(session, row, CaseDenied.of(event), event)
    # A denial ends the case (办结); service-management sends no gov.case.concluded for it.
    return {**out, "outcome": "denied", "concluded_at": out["decided_at"]}


def _concluded(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data = CaseConcluded.of(event)
    out: Row = {"concluded_at": _time(data.concluded_at, _event_time(event))}
    if data.license_no:
        out["license_no"] = data.license_no[:64]
    return {
        **_fill(row, _parties_item(session, data)),
        **_fill(row, _applicant(session, data.applicant, _event_time(event))),
        **out,
    }


def _evaluated(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    data = CaseEvaluated.of(event)
    return {"rating": data.rating, "evaluated_at": _time(data.evaluated_at, _event_time(event))}


def _time_warning(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    level = CaseTimeWarning.of(event).level
    return {"red": True, "yellow": True} if level == "red" else {"yellow": True}


def _escalated(session: Session, row: Row, event: Event, rows: CaseRows) -> Row:
    return {"escalated": True}


def _fill(row: Row, values: Row) -> Row:
    """Only what the row does not know yet (the filing's own facts win)."""
    return {k: v for k, v in values.items() if row.get(k) is None}


CASE_APPLIERS: dict[str, Callable[[Session, Row, Event, CaseRows], Row]] = {
    CASE_SUBMITTED: _submitted,
    EventTypes.CASE_ACCEPTED: _accepted,
    EventTypes.CASE_REJECTED: _rejected,
    EventTypes.CASE_DISPATCHED: _dispatched,
    EventTypes.CASE_SUPPLEMENT_REQUESTED: _supplement_requested,
    EventTypes.CASE_CLOCK_CHANGED: _clock_changed,
    EventTypes.CASE_STEP_COMPLETED: _step,
    EventTypes.CASE_SENT_BACK: _step,
    EventTypes.CASE_APPROVED: _approved,
    EventTypes.CASE_DENIED: _denied,
    EventTypes.CASE_CONCLUDED: _concluded,
    CASE_EVALUATED: _evaluated,
    CASE_TIME_WARNING: _time_warning,
    CASE_ESCALATED: _escalated,
}

LICENSE_EVENTS: dict[str, type[LicenseIssued | LicenseRevoked | LicenseCancelled | LicenseExpired]] = {
    m.TYPE: m for m in (LicenseIssued, LicenseRevoked, LicenseCancelled, LicenseExpired)
}
HANDLED = (*CASE_APPLIERS, *LICENSE_EVENTS)


# ---------------------------------------------------------------------------------------------
# Deriving the figures and keeping the summaries


def day(moment: dt.datetime | None) -> dt.date | None:
    return local_date(moment) if moment is not None else None


def derive(row: Row, supplements: list[Row]) -> Row:
    """Every derived column of a case row from its own columns and its supplement requests."""
    known = [row.get(k) for k in ("submitted_at", "accepted_at", "rejected_at", "dispatched_at", "decided_at")]
    first = min((t for t in known if t is not None), default=row.get("concluded_at"))
    requests: dict[dt.datetime, dt.datetime | None] = {}
    for s in supplements:
        requests[s["requested_at"]] = s["supplied_at"]
    waited = [dims.working_days(day(r), day(s)) for r, s in requests.items() if s is not None]
    ended = row.get("concluded_at") or row.get("rejected_at")
    submitted = row.get("submitted_at")
    due = row.get("due_at")
    return {
        "filed_at": first,
        "filed_on": day(first),
        "supplements": len(requests),
        "supplement_days": sum(w or 0 for w in waited) if waited else None,
        "intake_days": dims.working_days(day(submitted), day(row.get("accepted_at"))),
        "review_days": dims.working_days(day(row.get("dispatched_at")), day(row.get("decided_at"))),
        "conclude_days": dims.working_days(day(row.get("decided_at")), day(row.get("concluded_at"))),
        "total_days": dims.working_days(day(submitted), day(ended)),
        "on_time": (ended <= due) if ended is not None and due is not None else None,
    }


def _case_keys(row: Row | None) -> Row | None:
    if row is None or row.get("filed_on") is None:
        return None
    return {
        "day": row["filed_on"],
        "item_code": row.get("item_code") or "",
        "department_code": row.get("department_code") or "",
        "channel": row.get("channel") or "",
        "applicant_type": row.get("applicant_type") or "",
        "division_code": row.get("division_code") or "",
    }


def case_contribution(row: Row) -> dict[str, int]:
    rating = row.get("rating")
    ended = row.get("concluded_at") is not None or row.get("rejected_at") is not None
    return {
        "cases": 1,
        "accepted": int(row.get("accepted_at") is not None),
        "decided": int(row.get("decided_at") is not None),
        "concluded": int(row.get("concluded_at") is not None),
        "approved": int(row.get("outcome") == "approved"),
        "denied": int(row.get("outcome") == "denied"),
        "rejected": int(row.get("outcome") == "rejected"),
        "instant": int(bool(row.get("instant"))),
        "supplemented": int((row.get("supplements") or 0) > 0),
        "supplements": row.get("supplements") or 0,
        "ended": int(ended),
        "timed": int(row.get("on_time") is not None),
        "on_time": int(row.get("on_time") is True),
        "yellow": int(bool(row.get("yellow"))),
        "red": int(bool(row.get("red"))),
        "escalated": int(bool(row.get("escalated"))),
        "rated": int(rating is not None),
        "rating_sum": rating or 0,
        "satisfied": int(rating is not None and rating >= 4),
        "intake_n": int(row.get("intake_days") is not None),
        "intake_days_sum": row.get("intake_days") or 0,
        "review_n": int(row.get("review_days") is not None),
        "review_days_sum": row.get("review_days") or 0,
        "total_n": int(row.get("total_days") is not None),
        "total_days_sum": row.get("total_days") or 0,
    }


def step_waits(steps: list[Row], dispatched_at: dt.datetime | None) -> list[Row]:
    """Each step entered when the step before it in its department ended (the first: at dispatch)."""
    out: list[Row] = []
    by_department: dict[str, list[Row]] = {}
    for s in steps:
        by_department.setdefault(s["department_code"], []).append(s)
    for rows in by_department.values():
        rows.sort(key=lambda s: (s["left_at"], s["step_no"]))
        previous = dispatched_at
        for s in rows:
            entered = previous
            waiting = dims.working_days(local_date(entered), local_date(s["left_at"])) if entered else None
            out.append({**s, "entered_at": entered, "waiting_days": waiting})
            previous = s["left_at"]
    return out


def _contributions(case: Row | None, steps: list[Row], supplements: list[Row]) -> dict[str, Counter[Any]]:
    out: dict[str, Counter[Any]] = {"case": Counter(), "step": Counter(), "supplement": Counter()}
    keys = _case_keys(case)
    if keys is None or case is None:
        return out
    frozen = tuple(sorted(keys.items()))
    for measure, value in case_contribution(case).items():
        out["case"][(frozen, measure)] += value
    base = {k: v for k, v in keys.items() if k not in ("department_code", "applicant_type")}
    for s in steps:
        step_keys = tuple(sorted({**base, "department_code": s["department_code"], "step": s["step"]}.items()))
        waiting = s.get("waiting_days")
        out["step"][(step_keys, "steps")] += 1
        out["step"][(step_keys, "waited")] += int(waiting is not None)
        out["step"][(step_keys, "waiting_days_sum")] += waiting or 0
        out["step"][(step_keys, "long_waits")] += int(waiting is not None and waiting > LONG_WAIT_DAYS)
    for code in {s["material_code"] for s in supplements}:
        out["supplement"][
            (
                tuple(sorted({**base, "department_code": keys["department_code"], "material_code": code}.items())),
                "asked",
            )
        ] += 1
    return out


_SUMMARIES = {"case": case_daily, "step": step_daily, "supplement": supplement_daily}
_SUMMARY_MEASURES = {"case": CASE_MEASURES, "step": STEP_MEASURES, "supplement": ("asked",)}


def _difference(
    total: dict[str, Counter[Any]], before: dict[str, Counter[Any]], after: dict[str, Counter[Any]]
) -> None:
    """Add a case's change of contribution (after − before) to the batch's `total`."""
    for name in _SUMMARIES:
        for key in set(before[name]) | set(after[name]):
            change = after[name][key] - before[name][key]
            if change:
                total[name][key] += change


def _write_summaries(session: Session, slot: int, total: dict[str, Counter[Any]]) -> None:
    """The batch's summed changes: one multi-row upsert per summary table (rows in one lock order)."""
    for name, table in _SUMMARIES.items():
        grouped: dict[tuple[Any, ...], dict[str, int]] = {}
        for (keys, measure), change in total[name].items():
            if change:
                grouped.setdefault(keys, {})[measure] = change
        if grouped:
            rows = [{"slot": slot, **dict(keys), **delta} for keys, delta in sorted(grouped.items(), key=repr)]
            add_many(session, table, [c.name for c in table.primary_key.columns], _SUMMARY_MEASURES[name], rows)


class CaseRows:
    """One case's step, supplement and resumption rows while a batch is folded: those the batch's events
    add, and (`load`) those already there, which keep their row for a key both have (as INSERT … ON
    CONFLICT DO NOTHING would)."""

    def __init__(self, slot: int, case_no: str) -> None:
        self.slot, self.case_no = slot, case_no
        self.steps: dict[tuple[Any, ...], Row] = {}
        self.supplements: dict[tuple[Any, ...], Row] = {}
        self.resumes: set[dt.datetime] = set()
        self.loaded_steps: dict[tuple[Any, ...], Row] = {}
        self.loaded_supplements: dict[tuple[Any, ...], Row] = {}
        self.loaded_resumes: set[dt.datetime] = set()
        self.touched = False  # an event of the batch added a step, a request or a resumption

    def add_step(self, values: Row) -> None:
        self.touched = True
        self.steps.setdefault(_STEP_KEY(values), values)

    def add_supplement(self, values: Row) -> None:
        self.touched = True
        self.supplements.setdefault(_SUPPLEMENT_KEY(values), values)

    def add_resume(self, at: dt.datetime) -> None:
        self.touched = True
        self.resumes.add(at)

    def load(self, steps: list[Row], supplements: list[Row], resumes: list[dt.datetime]) -> None:
        self.loaded_steps = {_STEP_KEY(s): s for s in steps}
        self.steps = {**self.steps, **self.loaded_steps}
        self.loaded_supplements = {_SUPPLEMENT_KEY(s): s for s in supplements}
        self.supplements = {**self.supplements, **self.loaded_supplements}
        self.loaded_resumes = set(resumes)
        self.resumes |= self.loaded_resumes


def _STEP_KEY(s: Row) -> tuple[Any, ...]:
    return (s["department_code"], s["step_no"], s["left_at"])


def _SUPPLEMENT_KEY(s: Row) -> tuple[Any, ...]:
    return (s["requested_at"], s["material_code"])


def _load_cases(session: Session, slot: int, case_nos: list[str]) -> dict[str, Row]:
    """The batch's cases, locked, in one order."""
    found = session.execute(
        select(case_fact)
        .where(case_fact.c.slot == slot, case_fact.c.case_no.in_(case_nos))
        .order_by(case_fact.c.case_no)
        .with_for_update()
    ).mappings()
    return {r["case_no"]: dict(r) for r in found}


def _load_rows(session: Session, slot: int, cases: dict[str, CaseRows]) -> None:
    """The steps and supplements of `cases`, and the resumptions of those the batch adds rows to."""
    if not cases:
        return
    case_nos = sorted(cases)
    steps: dict[str, list[Row]] = {}
    for r in session.execute(
        select(step_fact).where(step_fact.c.slot == slot, step_fact.c.case_no.in_(case_nos))
    ).mappings():
        steps.setdefault(r["case_no"], []).append(dict(r))
    supplements: dict[str, list[Row]] = {}
    for r in session.execute(
        select(supplement_fact).where(supplement_fact.c.slot == slot, supplement_fact.c.case_no.in_(case_nos))
    ).mappings():
        supplements.setdefault(r["case_no"], []).append(dict(r))
    resumes: dict[str, list[dt.datetime]] = {}
    touched = sorted(n for n, rows in cases.items() if rows.touched)
    if touched:
        for r in session.execute(
            select(resume_fact.c.case_no, resume_fact.c.resumed_at).where(
                resume_fact.c.slot == slot, resume_fact.c.case_no.in_(touched)
            )
        ).mappings():
            resumes.setdefault(r["case_no"], []).append(r["resumed_at"])
    for case_no, rows in cases.items():
        rows.load(steps.get(case_no, []), supplements.get(case_no, []), resumes.get(case_no, []))


_DEFAULTS: Row = {"instant": False, "yellow": False, "red": False, "escalated": False, "supplements": 0}


def _case_event(event: Event) -> CaseEvent | None:
    """The event's data, for a type the warehouse folds into a case's row and naming its case."""
    if event.type not in CASE_APPLIERS:
        return None
    data = EVENT_MODELS[event.type].of(event)
    return data if isinstance(data, CaseEvent) and data.case_no else None


def apply_case_events(session: Session, events: Sequence[Event], slot: int, pseudonyms: Pseudonyms) -> None:
    """A batch of case events into the slot: the events folded per case in memory (in their order),
    every derived figure computed once per case, then one write per table for the whole batch and the
    summaries' summed changes. The same rows as the events one by one, in any grouping."""
    by_case: dict[str, list[tuple[Event, CaseEvent]]] = {}
    for event in events:
        data = _case_event(event)
        if data is not None:
            by_case.setdefault(data.case_no[:32], []).append((event, data))
    if not by_case:
        return
    loaded = _load_cases(session, slot, sorted(by_case))
    folded: dict[str, tuple[Row | None, Row, CaseRows, bool]] = {}
    for case_no in sorted(by_case):
        old = loaded.get(case_no)
        rows = CaseRows(slot, case_no)
        current = dict(old) if old else {"slot": slot, "case_no": case_no, **_DEFAULTS}
        for event, data in by_case[case_no]:
            changes = CASE_APPLIERS[event.type](session, current, event, rows)
            if current.get("applicant_key") is None:
                key = pseudonyms.of_applicant(getattr(data, "applicant", None))
                if key is not None:
                    changes["applicant_key"] = key
            current = {**current, **changes}
        folded[case_no] = (old, current, rows, _rows_matter(old, current, rows))
    # The step and supplement rows only of the cases whose rows or their figures may change: rows
    # added, or the keys of the summaries or the dispatch moved (most events change neither).
    _load_rows(session, slot, {n: rows for n, (_, _, rows, matter) in folded.items() if matter})
    total: dict[str, Counter[Any]] = {"case": Counter(), "step": Counter(), "supplement": Counter()}
    new_cases: list[Row] = []
    changed_cases: list[Row] = []
    step_rows: list[Row] = []
    supplement_rows: list[Row] = []
    resume_rows: list[Row] = []
    filings: list[tuple[Row | None, Row]] = []
    years: set[int] = set()
    for case_no, (old, current, rows, matter) in folded.items():
        before = _contributions(old, list(rows.loaded_steps.values()), list(rows.loaded_supplements.values()))
        supplements = list(rows.supplements.values())
        if rows.touched and supplements:
            answer = supplied([s["requested_at"] for s in supplements], sorted(rows.resumes))
            supplements = [{**s, "supplied_at": answer[s["requested_at"]]} for s in supplements]
        new = {**current, **derive(current, supplements)}
        if old is not None and not matter:  # its supplements were not read: they stand
            new["supplements"], new["supplement_days"] = old["supplements"], old["supplement_days"]
        steps = step_waits(list(rows.steps.values()), new.get("dispatched_at"))
        if old is None:
            new_cases.append(new)
        elif new != old:
            changed_cases.append(new)
        for s in steps:
            o = rows.loaded_steps.get(_STEP_KEY(s))
            if o is None or (o["entered_at"], o["waiting_days"]) != (s["entered_at"], s["waiting_days"]):
                step_rows.append(s)
        for m in supplements:
            o = rows.loaded_supplements.get(_SUPPLEMENT_KEY(m))
            if o is None or o["supplied_at"] != m["supplied_at"]:
                supplement_rows.append(m)
        resume_rows.extend(
            {"slot": slot, "case_no": case_no, "resumed_at": r} for r in sorted(rows.resumes - rows.loaded_resumes)
        )
        if new.get("filed_on") is not None:
            years.add(new["filed_on"].year)
        _difference(total, before, _contributions(new, steps, supplements))
        filings.append((old, new))
    columns = [c.name for c in case_fact.columns]
    case_key = ["slot", "case_no"]
    if new_cases:
        # A plain INSERT: a row another transaction added meanwhile (a rebuild) fails the batch, which is
        # then handled event by event, reading that row.
        session.execute(insert(case_fact), [{c: r.get(c) for c in columns} for r in new_cases])
    if changed_cases:
        upsert_many(session, case_fact, case_key, [c for c in columns if c not in case_key], changed_cases)
    step_key = ["slot", "case_no", "department_code", "step_no", "left_at"]
    upsert_many(session, step_fact, step_key, ["entered_at", "waiting_days"], step_rows)
    supplement_key = ["slot", "case_no", "requested_at", "material_code"]
    upsert_many(session, supplement_fact, supplement_key, ["supplied_at"], supplement_rows)
    upsert_many(session, resume_fact, ["slot", "case_no", "resumed_at"], [], resume_rows)
    for year in sorted(years):
        dims.ensure_year(session, year)
    _write_summaries(session, slot, total)
    associations.cases_changed(session, slot, filings)


def _rows_matter(old: Row | None, current: Row, rows: CaseRows) -> bool:
    """Whether the case's step and supplement rows are needed: rows added, a new case, or a change of
    what their figures depend on (the summaries' keys, the dispatch that starts the first step)."""
    if rows.touched or old is None or old.get("dispatched_at") != current.get("dispatched_at"):
        return True
    return _case_keys(old) != _case_keys({**current, **derive(current, [])})


def apply_license_event(session: Session, event: Event, slot: int) -> None:
    data, at = LICENSE_EVENTS[event.type].of(event), _event_time(event)
    if not data.license_no:
        return
    values: Row = {"slot": slot, "license_no": data.license_no[:64]}
    for key, value in (
        ("license_type", data.license_type),
        ("case_no", data.case_no),
        ("holder_type", data.holder_type),
    ):
        if value is not None:
            values[key] = value[:64]
    division = dims.division_of(data.holder_type, data.holder_id_number)
    if division:
        values["division_code"] = division
    if isinstance(data, LicenseIssued):
        values["issued_at"] = _time(data.issued_at, at)
        values["valid_until"] = _aware(data.valid_until) if data.valid_until else None
        update_values = {k: v for k, v in values.items() if k not in ("slot", "license_no")}
        upsert(session, license_fact, {**values, "status": "valid"}, key=["slot", "license_no"], update=update_values)
        return
    status = (data.status or event.type.rsplit(".", 1)[-1])[:16]
    changed = {**{k: v for k, v in values.items() if k not in ("slot", "license_no")}, "status": status}
    changed["status_at"] = _time(data.at, at)
    upsert(session, license_fact, {**values, **changed}, key=["slot", "license_no"], update=changed)


def apply(session: Session, event: Event, slot: int, pseudonyms: Pseudonyms) -> None:
    apply_batch(session, [event], slot, pseudonyms)


def apply_batch(session: Session, events: Sequence[Event], slot: int, pseudonyms: Pseudonyms) -> None:
    """Events of any cases and licences, in their order (docs/warehouse.md, "Upkeep cost")."""
    apply_case_events(session, [e for e in events if e.type in CASE_APPLIERS], slot, pseudonyms)
    for event in events:
        if event.type in LICENSE_EVENTS:
            apply_license_event(session, event, slot)


def clear_slot(session: Session, slot: int) -> None:
    for table in SLOTTED:
        session.execute(delete(table).where(table.c.slot == slot))
