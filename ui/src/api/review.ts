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

export interface WorkItem {
  case_no: string
  department_code: string
  item_code: string
  /** Part G: the item version the case was filed under */
  item_version: number
  item_name: string
  /** Part G: the committed limit (working days) the case was filed with; null when not reported */
  committed_days: number | null
  applicant: WorkItemApplicant
  form: Record<string, unknown>
  status: string
  automated: boolean
  rule_version: number | null
  rule_inputs: Record<string, unknown> | null
  rule_output: RuleOutput | null
  decided_by: string | null
  opinion: string | null
  received_at: string
  decided_at: string | null
}

export type DecisionKind = 'approve' | 'deny'

export interface DecisionResult {
  case_no: string
  status: string
}

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
export interface ReviewStep {
  no: number
  name: 'handle' | 'review' | 'approve' | string
  label: string
  role: string
}

export interface ReviewAction {
  step_no: number
  step_name: string
  role: string
  action: 'pass' | 'send_back' | 'approve' | 'deny' | string
  /** the person's display name */
  by: string
  /** Part G: the account's user name (null for actions recorded before it was kept) */
  by_username: string | null
  opinion: string
  sent_back_to: number | null
  at: string
}

/** The case's clock as service-management last reported it to the business system. */
export interface WorkClock {
  due_at: string | null
  paused: boolean
  remaining_working_days: number | null
  remaining_seconds: number | null
  overdue: boolean
  updated_at: string | null
}

/** A work-list entry: the work item, its current step, its clock and its last action. */
export interface WorkEntry extends WorkItem {
  step: (ReviewStep & { total: number }) | null
  clock: WorkClock
  last_action: ReviewAction | null
  blocking_findings: number
}

export interface WorkFinding {
  kind: 'form' | 'registry' | 'handler' | string
  field: string | null
  code: string
  message: string
  blocking: boolean
}

export interface WorkAttachment {
  file_id: string
  name: string
  content_type: string
  size: number
  uploaded_by: string
  uploaded_at: string
}

/** A material as dispatched with the case: a file at service-management or a licence number. */
export interface WorkMaterial {
  code: string
  name?: string | null
  file_id?: string | null
  license_no?: string | null
  /** Part G: a window clerk saw the paper original / received the paper copy, and who (when the event said) */
  paper_received?: boolean
  paper_received_by?: string | null
  [key: string]: unknown
}

/** One case as the department handles it: chain, actions, findings, clock, materials, attachments. */
export interface WorkDetail extends WorkItem {
  materials: WorkMaterial[]
  bundle: Record<string, unknown> | null
  handler: string
  findings: WorkFinding[]
  chain: ReviewStep[]
  chain_version: number
  current_step: number | null
  actions: ReviewAction[]
  clock: WorkClock
  license_content: Record<string, unknown> | null
  attachments: WorkAttachment[]
}

export interface StepLoad {
  step: 'handle' | 'review' | 'approve' | string
  label: string
  waiting: number
  overdue: number
}

export interface DoneEntry {
  case: WorkEntry
  my_last_action: ReviewAction
}

/** My pending work, soonest due first; `step` narrows to one step of the chains. */
export function listMyWork(params: PageParams & { step?: string; signal?: AbortSignal } = {}): Promise<Page<WorkEntry>> {
  return page<WorkEntry>('/worklist', params, { step: params.step || undefined })
}

/** The cases I acted on, newest first, with my last action. */
export function listMyDoneWork(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DoneEntry>> {
  return page<DoneEntry>('/worklist/done', params)
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
