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

/** One application for every member item (one case each), sharing the materials. */
export function applyForBundle(code: string, forms: Record<string, FormPayload>, materials: MaterialRef[], key?: string): Promise<BundleApplication> {
  return file<BundleApplication>(`/bundles/${seg(code)}/applications`, { forms, materials }, key)
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
