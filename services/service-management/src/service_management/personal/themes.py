"""Life events (一件事/主题) matched to an applicant's own facts: each rule names a catalogue theme
and says, from the facts alone, why it may concern the applicant — the one-line reason shown with
the recommendation — or None when it does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from service_management.personal.facts import ApplicantFacts

COUNTY_DIVISION = "330122"  # the county this deployment serves (the demo catalogue's division)


@dataclass(frozen=True)
class Situation:
    """Everything a rule may look at, all of it the applicant's own."""

    facts: ApplicantFacts
    # Licence types the applicant holds now (valid), from the licence library's events.
    licence_types: frozenset[str] = field(default_factory=frozenset)


Rule = Callable[[Situation], str | None]


def _senior(s: Situation) -> str | None:
    age = s.facts.age
    if age is not None and age >= 60:
        return f"您已年满{age}周岁，可能需要高龄津贴等养老服务"
    return None


def _household_elsewhere(s: Situation) -> str | None:
    division = s.facts.record.get("household_division_code")
    if s.facts.type == "person" and isinstance(division, str) and division and division != COUNTY_DIVISION:
        return "您的户籍登记地不在本县，在本县居住可能需要申领居住证"
    return None


def _opening_restaurant(s: Situation) -> str | None:
    for entity in s.facts.entities:
        if entity.get("entity_type") == "individual_business" and entity.get("status", "active") == "active":
            name = str(entity.get("name") or "")
            return f"您名下有个体工商户{f'「{name}」' if name else ''}，从事餐饮还可能需要食品经营许可"
    if s.facts.type == "entity" and s.facts.record.get("entity_type") == "individual_business":
        return "您名下是个体工商户，从事餐饮还可能需要食品经营许可"
    if "business_license" in s.licence_types and "food_business_license" not in s.licence_types:
        return "您已取得营业执照，开办餐饮店还可能需要食品经营许可"
    return None


# (theme, rule): the first rules matter most; a theme is recommended at most once.
THEME_RULES: list[tuple[str, Rule]] = [
    ("开办餐饮店", _opening_restaurant),
    ("养老服务", _senior),
    ("户籍与居住", _household_elsewhere),
]
