"""Recommendations, proactive offers and opt-outs of one applicant. Nothing here calls the network:
the endpoints read the applicant's registry facts first, with no transaction open, and pass them in."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gov_common import decisions as engine
from gov_common.auth import Principal
from gov_common.db import utcnow
from gov_common.errors import Conflict
from service_management.catalogue.service import ItemStatus
from service_management.models import Bundle, Case, DecisionTable, HeldLicense, Item, PersonalOptOut
from service_management.personal.also_needed import NextItem, reason
from service_management.personal.facts import ApplicantFacts
from service_management.personal.themes import THEME_RULES, Situation
from service_management.rules.service import current_table

log = logging.getLogger("service_management.personal")


class Kinds:
    RECOMMENDATION = "recommendation"
    ALSO_NEEDED = "also_needed"
    EXPIRY_REMINDER = "expiry_reminder"
    PROACTIVE = "proactive"
    ALL = ("recommendation", "also_needed", "expiry_reminder", "proactive")


# Registry named in a form field's `prefill` -> the applicant kind its record describes.
REGISTRY_OF = {"population": "person", "legal_entity": "entity"}
# A case in one of these states no longer stands in the way of applying again.
ENDED_WITHOUT_GRANT = ("rejected", "denied")


def opt_outs(session: Session, id_number: str) -> set[str]:
    rows = session.scalars(select(PersonalOptOut.kind).where(PersonalOptOut.applicant_id_number == id_number))
    return set(rows.all())


def set_opt_out(session: Session, *, id_number: str, kind: str, opted_out: bool) -> None:
    existing = session.scalars(
        select(PersonalOptOut).where(PersonalOptOut.applicant_id_number == id_number, PersonalOptOut.kind == kind)
    ).first()
    if opted_out and existing is None:
        try:
            with session.begin_nested():
                session.add(PersonalOptOut(applicant_id_number=id_number, kind=kind, opted_out_at=utcnow()))
                session.flush()
        except IntegrityError:
            pass  # the same opt-out, recorded by a concurrent request
    elif not opted_out and existing is not None:
        session.delete(existing)
        session.flush()


@dataclass
class Recommendation:
    theme: str
    reason: str
    items: list[dict[str, str]] = field(default_factory=list)
    bundles: list[dict[str, str]] = field(default_factory=list)


def _filed(session: Session, id_number: str) -> set[str]:
    """Item codes the applicant has a case of that still stands (open or granted)."""
    rows = session.scalars(
        select(Case.item_code).where(Case.applicant_id_number == id_number, Case.status.not_in(ENDED_WITHOUT_GRANT))
    )
    return set(rows.all())


def _held_types(session: Session, id_number: str) -> frozenset[str]:
    rows = session.scalars(
        select(HeldLicense.license_type).where(HeldLicense.holder_id_number == id_number, HeldLicense.status == "valid")
    )
    return frozenset(rows.all())


def _published(session: Session) -> list[Item]:
    return list(session.scalars(select(Item).where(Item.status == ItemStatus.PUBLISHED).order_by(Item.code)).all())


def recommendations(session: Session, facts: ApplicantFacts) -> list[Recommendation]:
    """Themes whose rule matches the applicant's own facts, with the items of the theme they may
    apply for (not those they have filed already); a theme left with nothing to do is not shown."""
    situation = Situation(facts=facts, licence_types=_held_types(session, facts.id_number))
    filed = _filed(session, facts.id_number)
    items = _published(session)
    bundles = list(session.scalars(select(Bundle).where(Bundle.status == "published").order_by(Bundle.code)).all())
    out: list[Recommendation] = []
    for theme, rule in THEME_RULES:
        reason = rule(situation)
        if reason is None:
            continue
        open_items = [
            {"code": i.code, "name": i.name}
            for i in items
            if theme in (i.themes or []) and facts.type in (i.audience or []) and i.code not in filed
        ]
        if not open_items:
            continue
        open_codes = {i["code"] for i in open_items}
        theme_bundles = [
            {"code": b.code, "name": b.name}
            for b in bundles
            if theme in (b.themes or []) and set(b.item_codes or []) & open_codes
        ]
        out.append(Recommendation(theme=theme, reason=reason, items=open_items, bundles=theme_bundles))
    return out


ALSO_NEEDED_LIMIT = 5


@dataclass(frozen=True)
class AlsoNeeded:
    code: str
    name: str
    reason: str
    based_on: dict[str, str]  # the item the applicant filed whose applicants went on to file this one
    applicants: int
    share: float


def ever_filed(session: Session, id_number: str) -> list[str]:
    """Every item the applicant has filed, whatever became of the case (what the warehouse counts)."""
    rows = session.scalars(select(Case.item_code).where(Case.applicant_id_number == id_number).distinct())
    return sorted(rows.all())


def also_needed(session: Session, *, applicant_type: str, id_number: str, found: list[NextItem]) -> list[AlsoNeeded]:
    """The mined next items the applicant may apply for: published, for their kind of applicant, not
    filed yet (a rejected or denied case does not count); for each, the basis with the largest share."""
    filed = _filed(session, id_number)
    codes = {r.next_item_code for r in found} | {r.item_code for r in found}
    items = {i.code: i for i in session.scalars(select(Item).where(Item.code.in_(codes))).all()} if codes else {}
    best: dict[str, NextItem] = {}
    for r in found:
        item = items.get(r.next_item_code)
        if item is None or item.status != ItemStatus.PUBLISHED or applicant_type not in (item.audience or []):
            continue
        if r.next_item_code in filed:
            continue
        held = best.get(r.next_item_code)
        if held is None or (r.share, r.applicants) > (held.share, held.applicants):
            best[r.next_item_code] = r
    ranked = sorted(best.values(), key=lambda r: (-r.share, -r.applicants, r.next_item_code))[:ALSO_NEEDED_LIMIT]
    out = []
    for r in ranked:
        basis = items.get(r.item_code)
        basis_name = basis.name if basis is not None else r.item_code
        out.append(
            AlsoNeeded(
                code=r.next_item_code,
                name=items[r.next_item_code].name,
                reason=reason(basis_name, r.share),
                based_on={"code": r.item_code, "name": basis_name},
                applicants=r.applicants,
                share=r.share,
            )
        )
    return out


@dataclass
class Offer:
    item_code: str
    item_name: str
    department_code: str
    reason: str
    form: dict[str, Any]
    rule_version: int


def _form_from_registry(item: Item, facts: ApplicantFacts) -> dict[str, Any] | None:
    """The item's form filled from the applicant's registry record alone, or None when a required
    field cannot be (then the item is not decidable from the registry facts alone)."""
    form: dict[str, Any] = {}
    for spec in item.form_fields or []:
        source = str(spec.get("prefill") or "")
        registry, _, name = source.partition(".")
        value = facts.record.get(name) if REGISTRY_OF.get(registry) == facts.type else None
        if value not in (None, ""):
            form[spec["name"]] = value
        elif spec.get("required", True):
            return None
    return form


def _needs_materials(item: Item) -> bool:
    """One confirmation files no materials: an item that requires any is not offered this way."""
    return any(m.get("required", True) for m in item.materials or [])


def _offer_for(item: Item, table: DecisionTable | None, facts: ApplicantFacts) -> Offer | None:
    if table is None or not item.instant_approval or facts.type not in (item.audience or []):
        return None
    if "online" not in (item.channels or []):
        return None
    form = _form_from_registry(item, facts)
    if form is None:
        return None
    try:
        decision = engine.evaluate(table.graph, {"applicant": facts.applicant(), "form": form})
    except engine.RuleError as exc:
        log.warning("decision table of %s cannot be evaluated for an offer: %s", item.code, exc)
        return None
    if not decision.eligible:
        return None
    return Offer(
        item_code=item.code,
        item_name=item.name,
        department_code=item.department_code,
        reason=decision.reason,
        form=form,
        rule_version=table.version,
    )


def offers(session: Session, facts: ApplicantFacts) -> list[Offer]:
    """Benefit items (行政给付) the applicant qualifies for by the item's decision table on their
    registry facts alone, which they have not applied for yet."""
    filed = _filed(session, facts.id_number)
    out: list[Offer] = []
    benefits = session.scalars(
        select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.item_type == "benefit").order_by(Item.code)
    ).all()
    for item in benefits:
        if item.code in filed or _needs_materials(item):
            continue
        offer = _offer_for(item, current_table(session, item.code), facts)
        if offer is not None:
            out.append(offer)
    return out


def offer_of(session: Session, facts: ApplicantFacts, item_code: str) -> Offer:
    for offer in offers(session, facts):
        if offer.item_code == item_code:
            return offer
    raise Conflict(
        f"事项 {item_code} 目前没有可免申即享的办理条件（不是给付事项、已申请，或登记信息不满足条件）",
        field="item_code",
        code="not_offered",
    )


def identity(principal: Principal) -> str:
    return (principal.id_number or "").upper()
