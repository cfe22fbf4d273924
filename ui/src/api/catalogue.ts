import type { SM } from './schemas'
import { ApiError, MAX_PAGE_SIZE, allPages, downloadBlob, json, page, postTable, problemFrom, seg, tokenProvider, unauthorizedHandler, url } from './http'
import type { Page, PageParams } from './http'
import type { RuleTraceNode, WorkAttachment } from './review'

export type Department = SM['DepartmentOut']

export type FormFieldType = 'string' | 'text' | 'number' | 'integer' | 'date' | 'boolean' | 'division'

export type FormField = SM['FormField']

/** An item as the public listing answers it (`GET /items`); the staff's listing adds its status (ItemEntry). */
export type ItemSummary = Omit<SM['ItemListEntry'], 'status' | 'updated_at' | 'published_version' | 'draft_pending'>

export type ItemDetail = SM['ItemDetail']

export interface ItemQuery extends PageParams {
  department?: string
  signal?: AbortSignal
}

export function listItems(params: ItemQuery = {}): Promise<Page<ItemSummary>> {
  return page<ItemSummary>('/items', params, { department: params.department })
}

/**
 * Every published item (page by page, at most `limit`), for searching in the browser while the
 * API has no search parameter.
 */
export async function listAllItems(params: { department?: string; signal?: AbortSignal; limit?: number } = {}): Promise<ItemSummary[]> {
  const limit = params.limit ?? 2000
  const all: ItemSummary[] = []
  for (let number = 1; ; number++) {
    const chunk = await listItems({ department: params.department, page: number, pageSize: MAX_PAGE_SIZE, signal: params.signal })
    all.push(...chunk.items)
    if (chunk.items.length === 0 || all.length >= chunk.total || all.length >= limit) return all.slice(0, limit)
  }
}

export function getItem(code: string, signal?: AbortSignal): Promise<ItemDetail> {
  return json<ItemDetail>(`/items/${seg(code)}`, { signal })
}

export function listDepartments(signal?: AbortSignal): Promise<Department[]> {
  return json<Department[]>('/departments', { signal })
}

export type ItemMaterial = SM['Material']

/** The national service guide's remaining fields of an item (受理条件, 办理流程, 地点和时间, 电话, 跑动次数, 送达, 预约). */
export type ServiceGuide = SM['ServiceGuide']

/** Items with their materials (the catalogue's detail; the shared ItemDetail type omits them). */
export type ItemWithMaterials = SM['ItemDetail']

export interface ItemSearch extends ItemQuery {
  /** words inside names, keywords and themes, or an item code or its beginning (e.g. 330122-AMR) */
  q?: string
  audience?: string
  type?: string
  theme?: string
}

export function searchItems(params: ItemSearch = {}): Promise<Page<ItemSummary>> {
  return page<ItemSummary>('/items', params, {
    q: params.q,
    department: params.department,
    audience: params.audience,
    type: params.type,
    theme: params.theme,
  })
}

export type ProcessDefinition = SM['DefinitionOut']

export function getProcess(code: string, signal?: AbortSignal): Promise<ProcessDefinition> {
  return json<ProcessDefinition>(`/items/${seg(code)}/process`, { signal })
}

/** Uploads a new version of an item's BPMN 2.0 process (administrators, the department's admins). */
export function uploadProcess(code: string, bpmnXml: string, timeLimits: Record<string, number>): Promise<ProcessDefinition> {
  return json<ProcessDefinition>(`/items/${seg(code)}/process`, { method: 'PUT', json: { bpmn_xml: bpmnXml, time_limits: timeLimits } })
}

export type DecisionTableVersion = SM['TableOut']

/** The schema says `trace: object` (zen-engine's trace, a dict): its nodes are described by RuleTraceNode. */
export type RuleTrial = Omit<SM['service_management__rules__schemas__EvaluationOut'], 'trace'> & { trace: Record<string, RuleTraceNode> }

/** Every version of an item's decision table, oldest first (staff). */
export function listDecisionTables(code: string, signal?: AbortSignal): Promise<DecisionTableVersion[]> {
  return json<DecisionTableVersion[]>(`/items/${seg(code)}/rules`, { signal })
}

export function saveDecisionTable(code: string, graph: Record<string, unknown>, comment: string): Promise<DecisionTableVersion> {
  return json<DecisionTableVersion>(`/items/${seg(code)}/rules`, { method: 'POST', json: { graph, comment } })
}

/** Evaluates the current (or a given) version on facts, with its trace. */
export function tryDecisionTable(code: string, facts: Record<string, unknown>, version?: number): Promise<RuleTrial> {
  return json<RuleTrial>(`/items/${seg(code)}/rules/evaluate`, { method: 'POST', json: { facts, version } })
}

export type RuleVariable = SM['VariableOut']

/** The variables a condition of the item's decision table (or, `process`, of its case process) may test, labelled (staff). */
export function listRuleVariables(code: string, context: 'decision_table' | 'process' = 'decision_table', signal?: AbortSignal): Promise<RuleVariable[]> {
  return json<RuleVariable[]>(`/items/${seg(code)}/rules/variables?context=${context}`, { signal })
}

/** An item's version with every standard field (`ItemDetail`), as the staff's version endpoints answer it. */
export type CatalogueItemVersion = import('@/lib/catalogueAdmin').ItemVersion

export type CatalogueItemInput = import('@/lib/catalogueAdmin').ItemInput

export type ItemImportReport = SM['ImportReport']

/** One page of an item's versions, oldest first (staff). */
export function getItemVersionsPage(code: string, params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<CatalogueItemVersion>> {
  return page<CatalogueItemVersion>(`/items/${seg(code)}/versions`, params)
}

/** Every version of an item, drafts and retired ones included, oldest first (staff), page by page. */
export function listItemVersions(code: string, signal?: AbortSignal): Promise<CatalogueItemVersion[]> {
  return allPages((number) => getItemVersionsPage(code, { page: number, pageSize: MAX_PAGE_SIZE, signal }))
}

/** An item in the staff listing: its latest version, whatever its status, and the version in force. */
export type CatalogueItemEntry = import('@/lib/catalogueAdmin').ItemEntry

export interface CatalogueItemQuery extends PageParams {
  /** `published`: has a version in force (a draft may be pending); `draft`: the latest version is a draft */
  status: 'all' | 'draft' | 'published' | 'retired'
  department?: string
  q?: string
  type?: string
  signal?: AbortSignal
}

/** Every item whatever its status, by its latest version (staff). */
export function listCatalogueItems(params: CatalogueItemQuery): Promise<Page<CatalogueItemEntry>> {
  return page<CatalogueItemEntry>('/items', params, {
    status: params.status,
    department: params.department || undefined,
    q: params.q || undefined,
    type: params.type || undefined,
  })
}

export function createItem(body: CatalogueItemInput): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>('/items', { method: 'POST', json: body })
}

/** Edits the draft; for a published (or retired) item, starts its next version as a draft. */
export function saveItemDraft(code: string, body: CatalogueItemInput): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>(`/items/${seg(code)}/draft`, { method: 'PUT', json: body })
}

export function publishItem(code: string): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>(`/items/${seg(code)}/publish`, { method: 'POST' })
}

/** Retires the version in force; the reason (≤ 500 characters) is shown to the public. */
export function retireItem(code: string, reason: string): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>(`/items/${seg(code)}/retire`, { method: 'POST', json: { reason } })
}

/** Imports items as drafts; with a bad row nothing is applied and every bad row is reported. */
export function importItems(file: Blob, name: string, dryRun: boolean): Promise<ItemImportReport> {
  return postTable<ItemImportReport>('/items/import', file, name, { dry_run: String(dryRun) })
}

/** The item import's .xlsx template (sheets 导入, 填写说明, 示例): the columns it reads, with drop-downs (staff who import). */
export function downloadItemImportTemplate(): Promise<Blob> {
  return downloadBlob('/items/import-template.xlsx')
}

/** One version of an item, its materials included: what a case filed under it saw (retired ones too). */
export type ItemVersionDetail = SM['ItemDetail']

export function getItemVersion(code: string, version: number, signal?: AbortSignal): Promise<ItemVersionDetail> {
  return json<ItemVersionDetail>(`/items/${seg(code)}/versions/${version}`, { signal })
}

export function downloadWorkAttachment(caseNo: string, fileId: string): Promise<Blob> {
  return downloadBlob(`/work-items/${seg(caseNo)}/attachments/${seg(fileId)}`)
}

/** Attaches a staff file (PDF, JPEG or PNG, judged by its bytes) to a pending work item. */
export async function uploadWorkAttachment(caseNo: string, file: Blob, name: string): Promise<WorkAttachment> {
  const body = new FormData()
  body.append('file', file, name)
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = tokenProvider()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url(`/work-items/${seg(caseNo)}/attachments`), { method: 'POST', headers, body })
  } catch (cause) {
    throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response))
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return (await response.json()) as WorkAttachment
}

/** An item's decision-table versions, a page at a time. */
export function listDecisionTableVersions(code: string, params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DecisionTableVersion>> {
  return page<DecisionTableVersion>(`/items/${seg(code)}/rules`, params)
}

export function getDecisionTableVersion(code: string, version: number, signal?: AbortSignal): Promise<DecisionTableVersion> {
  return json<DecisionTableVersion>(`/items/${seg(code)}/rules/${version}`, { signal })
}

/** A life-event theme (主题); its name is the value of the catalogue's `theme` filter. */
export type Theme = SM['ThemeOut']

/** The catalogue's themes, most items first (public). */
export function listThemes(signal?: AbortSignal): Promise<Theme[]> {
  return json<Theme[]>('/themes', { signal, auth: false })
}
