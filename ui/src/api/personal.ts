import type { SM } from './schemas'
import { json, seg } from './http'

export type ItemRef = SM['ItemRef']

/** 为您推荐: a life-event theme matched to the applicant's own facts, with the one-line reason. */
export type Recommendation = SM['RecommendationOut']

/** 您可能还需要: an item applicants who filed the same item went on to file (mined from the warehouse). */
export type AlsoNeededItem = SM['AlsoNeededItemOut']

export type AlsoNeeded = SM['AlsoNeededOut']

export type Recommendations = SM['RecommendationsOut']

/** 免申即享: a benefit the applicant's registry facts already qualify them for. */
export type ProactiveOffer = SM['OfferOut']

export type ProactiveOffers = SM['OffersOut']

/** Which kinds of personalised service the applicant receives (true) or turned off (false). */
export type PersonalPreferences = SM['PreferencesOut']

export function getRecommendations(signal?: AbortSignal): Promise<Recommendations> {
  return json<Recommendations>('/me/recommendations', { signal })
}

export function getProactiveOffers(signal?: AbortSignal): Promise<ProactiveOffers> {
  return json<ProactiveOffers>('/me/proactive-offers', { signal })
}

/** 确认申领: files the offered benefit's case with the registry facts as its form. */
export function confirmProactiveOffer(itemCode: string): Promise<{ case_no: string; status: string }> {
  return json<{ case_no: string; status: string }>(`/me/proactive-offers/${seg(itemCode)}/confirm`, { method: 'POST' })
}

export function getPersonalPreferences(signal?: AbortSignal): Promise<PersonalPreferences> {
  return json<PersonalPreferences>('/me/personal-preferences', { signal })
}

export function setPersonalPreferences(changes: Partial<PersonalPreferences>): Promise<PersonalPreferences> {
  return json<PersonalPreferences>('/me/personal-preferences', { method: 'PATCH', json: changes })
}
