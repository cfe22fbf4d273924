import type { FormPayload, MaterialRef } from './cases'
import type { ItemMaterial } from './catalogue'
import { file, json, page, seg } from './http'
import type { Page, PageParams } from './http'

export interface Bundle {
  code: string
  name: string
  description: string
  item_codes: string[]
  themes: string[]
}

/** 一件事一次办: item groups applied for together. */
export function listBundles(signal?: AbortSignal): Promise<Bundle[]> {
  return json<Bundle[]>('/bundles', { signal })
}

export interface BundleDetail extends Bundle {
  /** every material of the member items, each asked for once */
  materials: ItemMaterial[]
}

export interface BundleApplication {
  bundle_no: string
  bundle_code: string
  status: string
  created_at: string
  concluded_at: string | null
  branches: { case_no: string; item_code: string; department_code: string; status: string }[]
}

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
export interface BundleApplicationSummary {
  bundle_no: string
  bundle_code: string
  bundle_name: string
  filed_at: string
  concluded_at: string | null
  /** some_denied: a branch was denied or rejected; concluded: every branch concluded */
  overall_status: 'in_progress' | 'concluded' | 'some_denied'
  branch_count: number
  /** branches that have ended (concluded, denied or rejected) */
  ended_count: number
}

/** The applicant's own bundle applications, newest first. */
export function listMyBundleApplications(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<BundleApplicationSummary>> {
  return page<BundleApplicationSummary>('/bundle-applications', params)
}
