import type { DS, DSIn, GW, SM } from './schemas'
import { json, page, seg, send } from './http'
import type { Page, PageParams } from './http'

export type CockpitView = 'overview' | 'volumes' | 'funnel' | 'waits' | 'materials' | 'instant' | 'on-time' | 'satisfaction' | 'divisions'

/** The filters of every cockpit view (docs/warehouse.md, "Cockpit"); empty ones are left out. */
export interface CockpitFilters {
  date_from?: string
  date_to?: string
  department?: string
  item?: string
  channel?: string
  division?: string
  period?: 'day' | 'month' | 'quarter' | 'year'
  by?: string
  limit?: number
}

/** A row's fields by name; `suppressed` says some of its figures were held back. */
export type CockpitRow = Record<string, string | number | boolean | null>

export interface CockpitAnswer {
  view: CockpitView
  title: string
  columns: { field: string; label: string }[]
  /** A figure from fewer cases is suppressed outside the department that owns the cases. */
  min_cases: number
  /** The department whose figures the reader sees unsuppressed (none for the administrator). */
  unsuppressed_department: string | null
  rows: CockpitRow[]
}

function cockpitQuery(filters: CockpitFilters): Record<string, string | number | undefined> {
  const query: Record<string, string | number | undefined> = {}
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== null && value !== '') query[key] = value
  return query
}

/** One cockpit view (administrators and department administrators). */
export function getCockpit(view: CockpitView, filters: CockpitFilters = {}, signal?: AbortSignal): Promise<CockpitAnswer> {
  return json<CockpitAnswer>(`/cockpit/${seg(view)}`, { query: cockpitQuery(filters), signal })
}

/** The same view as a CSV or .xlsx file (with the token, so no plain link). */
export async function downloadCockpit(view: CockpitView, filters: CockpitFilters, format: 'csv' | 'xlsx'): Promise<Blob> {
  const response = await send(`/cockpit/${seg(view)}`, { query: { ...cockpitQuery(filters), format } })
  return response.blob()
}

export type DataAccess = DS['DataAccessOut']

/** Who read my data (and who was refused). */
export function listMyDataAccess(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DataAccess>> {
  return page<DataAccess>('/audit/my-data-access', params)
}

export type Prefill = GW['PrefillOut']

/** The form filled from the applicant's own registry record, and the licences that stand for materials. */
export function getPrefill(code: string, signal?: AbortSignal): Promise<Prefill> {
  return json<Prefill>(`/items/${seg(code)}/prefill`, { signal })
}

export type SharingType = 'unconditional' | 'conditional' | 'not_shared'

export type UpdateFrequency = 'realtime' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly' | 'irregular'

/** A resource of the data catalogue as data-sharing registers it (`ResourceIn`). */
export type DataResourceIn = DSIn['ResourceIn']

/** What `PATCH /catalogue/resources/{code}` may change (fields and owner are fixed once registered). */
export type DataResourcePatch = DSIn['ResourcePatch']

export type DataResourceOut = DS['ResourceOut']

export function listCatalogueResources(
  params: PageParams & { owner?: string; sharingType?: SharingType | ''; signal?: AbortSignal } = {},
): Promise<Page<DataResourceOut>> {
  return page<DataResourceOut>('/catalogue/resources', params, { owner: params.owner || undefined, sharing_type: params.sharingType || undefined })
}

export function getCatalogueResource(code: string, signal?: AbortSignal): Promise<DataResourceOut> {
  return json<DataResourceOut>(`/catalogue/resources/${seg(code)}`, { signal })
}

/** The admin, or a department admin of the owning department, registers a resource. */
export function registerCatalogueResource(body: DataResourceIn): Promise<DataResourceOut> {
  return json<DataResourceOut>('/catalogue/resources', { method: 'POST', json: body })
}

export function updateCatalogueResource(code: string, body: DataResourcePatch): Promise<DataResourceOut> {
  return json<DataResourceOut>(`/catalogue/resources/${seg(code)}`, { method: 'PATCH', json: body })
}

/** 整改: opened by an evaluation of 2 or below, closed by the department with what was done. */
export type Rectification = SM['RectificationOut']

/** Rectification tasks by status and department (a department's staff: only their own). */
export function listRectifications(params: PageParams & { status?: 'open' | 'done' | ''; department?: string; signal?: AbortSignal } = {}): Promise<Page<Rectification>> {
  return page<Rectification>('/rectifications', params, { status: params.status || undefined, department: params.department || undefined })
}

export function completeRectification(id: number, response: string): Promise<Rectification> {
  return json<Rectification>(`/rectifications/${id}/complete`, { method: 'POST', json: { response } })
}

export type DataResource = DS['ResourceOut']

export type AccessRequest = DS['AccessRequestOut']

export type Grant = DS['GrantOut']

export function listResources(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DataResource>> {
  return page<DataResource>('/catalogue/resources', params)
}

export function listAccessRequests(params: PageParams & { status?: string; signal?: AbortSignal } = {}): Promise<Page<AccessRequest>> {
  return page<AccessRequest>('/catalogue/access-requests', params, { status: params.status || undefined })
}

export function decideAccessRequest(
  id: number,
  body: { decision: 'approve' | 'refuse'; reason?: string; fields?: string[]; valid_days?: number },
): Promise<AccessRequest> {
  return json<AccessRequest>(`/catalogue/access-requests/${id}/decision`, { method: 'POST', json: body })
}

export function listGrants(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<Grant>> {
  return page<Grant>('/catalogue/grants', params)
}

export function revokeGrant(id: number, reason: string): Promise<Grant> {
  return json<Grant>(`/catalogue/grants/${id}/revoke`, { method: 'POST', json: { reason } })
}

export type DivisionNode = DS['DivisionNode']
export type DivisionTree = DS['DivisionTree']

/** The administrative divisions as a tree (province → city → county; GB/T 2260), for the division picker. */
export function getDivisionTree(root?: string, signal?: AbortSignal): Promise<DivisionTree> {
  return json<DivisionTree>('/registries/division-tree', { query: { root }, signal })
}
