"""`/api/v1/me/...`: the logged-in applicant's personalised services. Each read of the applicant's
registry facts happens before the request's unit of work begins (no transaction across the call)
and only when the applicant has not opted out of what needs it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from gov_common.auth import Applicant, Assurance, check_assurance
from gov_common.db import utcnow
from gov_common.errors import Conflict
from gov_common.service import DbSession
from service_management.cases import prefetch
from service_management.cases import service as cases
from service_management.personal import service
from service_management.personal.also_needed import NextItemsSource
from service_management.personal.facts import ApplicantFacts, RegistryFacts
from service_management.personal.schemas import (
    AlsoNeededItemOut,
    AlsoNeededOut,
    ConfirmedOut,
    ItemRef,
    OfferOut,
    OffersOut,
    PreferencesIn,
    PreferencesOut,
    RecommendationOut,
    RecommendationsOut,
)
from service_management.ports import CurrentPorts

router = APIRouter(prefix="/api/v1/me", tags=["personal services"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not an applicant, or below L2 for registry facts (assurance_level_required)"},
    503: {"description": "The registries cannot be read now (Retry-After)"},
}


def get_registry(request: Request) -> RegistryFacts:
    registry: RegistryFacts = request.app.state.runtime.extras["registry"]
    return registry


Registry = Annotated[RegistryFacts, Depends(get_registry)]


def get_next_items(request: Request) -> NextItemsSource:
    source: NextItemsSource = request.app.state.runtime.extras["next_items"]
    return source


NextItems = Annotated[NextItemsSource, Depends(get_next_items)]


def _facts(session: DbSession, registry: RegistryFacts, principal: Applicant) -> ApplicantFacts:
    """The applicant's registry facts, read with the unit of work's read transaction ended first."""
    check_assurance(principal, Assurance.L2)
    prefetch.end_reads(session)
    return registry.of(principal, today=utcnow().date())


def _preferences(kinds: set[str]) -> PreferencesOut:
    return PreferencesOut(**{kind: kind not in kinds for kind in service.Kinds.ALL})


@router.get("/recommendations", response_model=RecommendationsOut, responses=_ERRORS)
def my_recommendations(
    principal: Applicant, session: DbSession, registry: Registry, next_items: NextItems
) -> RecommendationsOut:
    """为您推荐: life-event themes matched to my own registry facts and licences, each with its reason;
    and 您可能还需要: items that applicants of the items I filed went on to file (absent, marked
    unavailable, when data-sharing's warehouse cannot be asked now)."""
    number = service.identity(principal)
    off = service.opt_outs(session, number)
    themes_on, mined_on = service.Kinds.RECOMMENDATION not in off, service.Kinds.ALSO_NEEDED not in off
    if themes_on or mined_on:
        check_assurance(principal, Assurance.L2)
    basis = service.ever_filed(session, number) if mined_on else []
    prefetch.end_reads(session)  # no transaction open across the calls below
    facts = registry.of(principal, today=utcnow().date()) if themes_on else None
    found = next_items.after(basis) if basis else []
    themes = service.recommendations(session, facts) if facts is not None else []
    mined = (
        service.also_needed(session, applicant_type=principal.account_type, id_number=number, found=found)
        if found
        else []
    )
    return RecommendationsOut(
        opted_out=not themes_on,
        recommendations=[
            RecommendationOut(
                theme=r.theme,
                reason=r.reason,
                items=[ItemRef(**i) for i in r.items],
                bundles=[ItemRef(**b) for b in r.bundles],
            )
            for r in themes
        ],
        also_needed=AlsoNeededOut(
            opted_out=not mined_on,
            available=found is not None,
            items=[
                AlsoNeededItemOut(
                    code=m.code,
                    name=m.name,
                    reason=m.reason,
                    based_on=ItemRef(**m.based_on),
                    applicants=m.applicants,
                    share=m.share,
                )
                for m in mined
            ],
        ),
    )


@router.get("/proactive-offers", response_model=OffersOut, responses=_ERRORS)
def my_offers(principal: Applicant, session: DbSession, registry: Registry) -> OffersOut:
    """免申即享: benefits my registry facts already qualify me for, to confirm instead of applying."""
    number = service.identity(principal)
    if service.Kinds.PROACTIVE in service.opt_outs(session, number):
        return OffersOut(opted_out=True, offers=[])
    facts = _facts(session, registry, principal)
    return OffersOut(opted_out=False, offers=[OfferOut(**vars(o)) for o in service.offers(session, facts)])


@router.post(
    "/proactive-offers/{item_code}/confirm",
    status_code=201,
    response_model=ConfirmedOut,
    responses={**_ERRORS, 409: {"description": "Not offered to me (not_offered), or opted out (opted_out)"}},
)
def confirm_offer(
    principal: Applicant,
    session: DbSession,
    registry: Registry,
    ports: CurrentPorts,
    item_code: Annotated[str, Path(min_length=1, max_length=64)],
) -> ConfirmedOut:
    """确认申领: file the case of an offered benefit with my registry facts as its form, through the
    normal case path (intake, dispatch and the item's decision table run as for any application)."""
    number = service.identity(principal)
    if service.Kinds.PROACTIVE in service.opt_outs(session, number):
        raise Conflict("您已关闭免申即享服务", field="item_code", code="opted_out")
    facts = _facts(session, registry, principal)
    applicant = cases.identity_of(principal)
    ports = prefetch.for_filing(session, ports, applicant_id=applicant.id_number, items=[item_code], refs=[])
    offer = service.offer_of(session, facts, item_code)
    case = cases.file_case(
        session, ports, applicant=applicant, item_code=offer.item_code, form=offer.form, materials=[]
    )
    return ConfirmedOut(case_no=case.case_no, status=case.status)


@router.get("/personal-preferences", response_model=PreferencesOut, responses=_ERRORS)
def my_preferences(principal: Applicant, session: DbSession) -> PreferencesOut:
    """Which kinds of personalised service I receive (true) or have turned off (false)."""
    return _preferences(service.opt_outs(session, service.identity(principal)))


@router.patch("/personal-preferences", response_model=PreferencesOut, responses={**_ERRORS, 422: {}})
def set_my_preferences(principal: Applicant, session: DbSession, body: PreferencesIn) -> PreferencesOut:
    """Turn kinds of personalised service on or off (an opt-out holds at once, for every replica)."""
    number = service.identity(principal)
    for kind, wanted in body.model_dump(exclude_none=True).items():
        service.set_opt_out(session, id_number=number, kind=kind, opted_out=not wanted)
    return _preferences(service.opt_outs(session, number))
