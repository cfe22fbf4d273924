import type { SM } from './schemas'
import type { FormPayload, MaterialRef } from './cases'
import { file, json, page, seg } from './http'
import type { Page, PageParams } from './http'

export type Bundle = SM['BundleOut']

/** 一件事一次办: item groups applied for together. */
export function listBundles(signal?: AbortSignal): Promise<Bundle[]> {
  return json<Bundle[]>('/bundles', { signal })
}

export type BundleDetail = SM['BundleDetail']

export type BundleApplication = SM['BundleApplicationOut']

export function getBundle(code: string, signal?: AbortSignal): Promise<BundleDetail> {
  return json<BundleDetail>(`/bundles/${seg(code)}`, { signal })
}

/** A field of the combined form (一表申请), with the member items that ask for it. */
export type BundleField = SM['BundleField']

/** One application for every member item (one case each): one combined form (一表申请), each field given to
 * every item that asks for it, and the materials shared. Errors name `form.<field>`. */
export function applyForBundle(code: string, form: FormPayload, materials: MaterialRef[], key?: string): Promise<BundleApplication> {
  return file<BundleApplication>(`/bundles/${seg(code)}/applications`, { form, materials }, key)
}

export function getBundleApplication(bundleNo: string, signal?: AbortSignal): Promise<BundleApplication> {
  return json<BundleApplication>(`/bundle-applications/${seg(bundleNo)}`, { signal })
}

/** One line of the applicant's list; the overall status is derived from the branches. */
export type BundleApplicationSummary = SM['BundleApplicationSummary']

/** The applicant's own bundle applications, newest first. */
export function listMyBundleApplications(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<BundleApplicationSummary>> {
  return page<BundleApplicationSummary>('/bundle-applications', params)
}

/** A bundle as administrators compose it (draft → published → retired). */
export type BundleDefinition = SM['BundleDefinitionOut']
export type BundleIn = SM['BundleIn']
export type BundleCreate = SM['BundleCreate']

export function listBundleDefinitions(signal?: AbortSignal): Promise<BundleDefinition[]> {
  return json<BundleDefinition[]>('/bundle-definitions', { signal })
}

/** Compose a bundle from published items of one or more departments; it starts as a draft. */
export function createBundleDefinition(body: BundleCreate): Promise<BundleDefinition> {
  return json<BundleDefinition>('/bundle-definitions', { method: 'POST', json: body })
}

export function updateBundleDefinition(code: string, body: BundleIn): Promise<BundleDefinition> {
  return json<BundleDefinition>(`/bundle-definitions/${seg(code)}`, { method: 'PUT', json: body })
}

export function setBundleStatus(code: string, action: 'publish' | 'retire'): Promise<BundleDefinition> {
  return json<BundleDefinition>(`/bundle-definitions/${seg(code)}/${action}`, { method: 'POST' })
}
