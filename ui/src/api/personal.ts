import { json, seg } from './http'

export interface ItemRef {
  code: string
  name: string
}

/** 为您推荐: a life-event theme matched to the applicant's own facts, with the one-line reason. */
export interface Recommendation {
  theme: string
  reason: string
  items: ItemRef[]
  bundles: ItemRef[]
}

/** 您可能还需要: an item applicants who filed the same item went on to file (mined from the warehouse). */
export interface AlsoNeededItem {
  code: string
  name: string
  reason: string
  based_on: ItemRef
  applicants: number
  share: number
}

export interface AlsoNeeded {
  opted_out: boolean
  /** false: data-sharing's warehouse could not be asked now (暂时无法获取). */
  available: boolean
  items: AlsoNeededItem[]
}

export interface Recommendations {
  opted_out: boolean
  recommendations: Recommendation[]
  also_needed: AlsoNeeded
}

/** 免申即享: a benefit the applicant's registry facts already qualify them for. */
export interface ProactiveOffer {
  item_code: string
  item_name: string
  department_code: string
  reason: string
  form: Record<string, unknown>
  rule_version: number
}

export interface ProactiveOffers {
  opted_out: boolean
  offers: ProactiveOffer[]
}

/** Which kinds of personalised service the applicant receives (true) or turned off (false). */
export interface PersonalPreferences {
  recommendation: boolean
  also_needed: boolean
  expiry_reminder: boolean
  proactive: boolean
}

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
