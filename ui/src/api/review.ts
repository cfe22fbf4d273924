import type { BS } from './schemas'
import { json, page, seg } from './http'
import type { Page, PageParams } from './http'

export interface WorkItemApplicant {
  sub?: string
  type?: string
  id_number?: string
  name?: string
  facts?: Record<string, unknown>
  [key: string]: unknown
}

/** A decision table's trace as the business system keeps it (zen-engine's traceData). */
export interface RuleTraceNode {
  name?: string
  trace?: {
    index?: number
    reference_map?: Record<string, unknown>
    rule?: Record<string, string>
    [key: string]: unknown
  } | null
}

export interface RuleOutput {
  eligible?: boolean
  reason?: string
  error?: string
  trace?: Record<string, RuleTraceNode>
  [key: string]: unknown
}

/** The schema says `applicant: object`, `rule_output: object | null` (dicts the business system keeps): described here. */
type Free<T> = Omit<T, 'applicant' | 'rule_output'> & { applicant: WorkItemApplicant; rule_output: RuleOutput | null }

export type WorkItem = Free<BS['WorkItemSummary']>

export type DecisionKind = 'approve' | 'deny'

export type DecisionResult = BS['DecisionOut']

export function listWorklist(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<WorkItem>> {
  return page<WorkItem>('/worklist', params)
}

export function getWorkItem(caseNo: string, signal?: AbortSignal): Promise<WorkItem> {
  return json<WorkItem>(`/work-items/${seg(caseNo)}`, { signal })
}

export function decide(caseNo: string, decision: DecisionKind, opinion: string): Promise<DecisionResult> {
  return json<DecisionResult>(`/cases/${seg(caseNo)}/decision`, { method: 'POST', json: { decision, opinion } })
}

/** A step of a case's review chain (承办 → 审核 → 批准) and the role that performs it. */
export type ReviewStep = BS['StepOut']

export type ReviewAction = BS['ActionOut']

/** The case's clock as service-management last reported it to the business system. */
export type WorkClock = BS['ClockOut']

/** A work-list entry: the work item, its current step, its clock and its last action. */
export type WorkEntry = Free<BS['WorkItemSummary']>

export type WorkFinding = BS['FindingOut']

export type WorkAttachment = BS['AttachmentOut']

/** A material as dispatched with the case: a file at service-management or a licence number. */
export type WorkMaterial = BS['BusinessSystemsMaterialOut']

/** One case as the department handles it: chain, actions, findings, clock, materials, attachments. */
export type WorkDetail = Free<BS['WorkItemOut']>

export type StepLoad = BS['StepLoadOut']

export type DoneEntry = BS['DoneOut']

/** My pending work, soonest due first; `step` narrows to one step of the chains. */
export function listMyWork(params: PageParams & { step?: string; filters?: Record<string, string | undefined>; signal?: AbortSignal } = {}): Promise<Page<WorkEntry>> {
  return page<WorkEntry>('/worklist', params, { ...params.filters, step: params.step || undefined })
}

/** The cases I acted on, newest first, with my last action. */
export function listMyDoneWork(params: PageParams & { filters?: Record<string, string | undefined>; signal?: AbortSignal } = {}): Promise<Page<DoneEntry>> {
  // The done list keeps its order (newest action first): search and filters only.
  return page<DoneEntry>('/worklist/done', params, { ...params.filters, sort: undefined })
}

/** Per step of the department's chains: cases waiting there and how many of them are overdue. */
export function getWorklistSummary(signal?: AbortSignal): Promise<StepLoad[]> {
  return json<StepLoad[]>('/worklist/summary', { signal })
}

export function getWorkDetail(caseNo: string, signal?: AbortSignal): Promise<WorkDetail> {
  return json<WorkDetail>(`/work-items/${seg(caseNo)}`, { signal })
}

/** Acts on the case's current step (named, so a stale screen gets 409): pass, send back, approve, deny. */
export function actOnWorkItem(caseNo: string, body: { step: number; action: ReviewAction['action']; opinion: string }): Promise<WorkDetail> {
  return json<WorkDetail>(`/work-items/${seg(caseNo)}/actions`, { method: 'POST', json: body })
}

export type OpinionTemplates = BS['OpinionTemplatesOut']

/** The department's stock opinions (常用意见) by action. */
export function getOpinionTemplates(signal?: AbortSignal): Promise<OpinionTemplates> {
  return json<OpinionTemplates>('/worklist/opinion-templates', { signal })
}

export type StockOpinions = BS['StockOpinionsOut']
export type OpinionAction = keyof OpinionTemplates['templates']

/** The department's stock opinions with whether it keeps its own list, and the list's version. */
export function getStockOpinions(signal?: AbortSignal): Promise<StockOpinions> {
  return json<StockOpinions>('/worklist/stock-opinions', { signal })
}

/** Replaces one action's stock opinions by the list given, in its order (department admin); 409 if `version` is stale. */
export function setStockOpinions(action: OpinionAction, opinions: string[], version: number): Promise<StockOpinions> {
  return json<StockOpinions>(`/worklist/stock-opinions/${seg(action)}`, { method: 'PUT', json: { opinions, version } })
}

/** Back to the deployment's stock opinions (department admin). */
export function resetStockOpinions(): Promise<StockOpinions> {
  return json<StockOpinions>('/worklist/stock-opinions', { method: 'DELETE' })
}
