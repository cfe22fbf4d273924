/**
 * The reviewer's work list without Vue: a case's remaining time and its yellow/red mark as
 * supervision defines them, and which actions the current step of a review chain allows whom.
 *
 * Supervision (service-management's scan): a case's clock runs in working days on the platform's
 * calendar; yellow (黄牌预警) once 80 % of the committed working days are used, red (红牌超时) once
 * the due time (24:00 Asia/Shanghai of the last working day) has passed; a paused clock (补正)
 * raises neither. The business system reports `due_at`, `paused` and `overdue` (computed at read
 * time) and the remaining working days *as last reported*; the days left today are counted here.
 */

export type StepName = 'handle' | 'review' | 'approve'
export type StepAction = 'pass' | 'send_back' | 'approve' | 'deny'

/** The share of the committed limit used at which supervision raises a yellow warning. */
export const YELLOW_SHARE = 0.8
const DAY_MS = 86_400_000
const SHANGHAI_OFFSET_MS = 8 * 3_600_000 // Asia/Shanghai has no daylight saving time

export interface WorkClock {
  due_at: string | null
  paused: boolean
  remaining_working_days: number | null
  remaining_seconds?: number | null
  overdue: boolean
}

/** Whether a day (YYYY-MM-DD) is a working day: weekdays, except the calendar's holidays, plus its worked weekend days. */
export type WorkingDay = (day: string) => boolean

/** A working-day test from the calendar's listed days (`holiday` on weekdays, `workday` on weekends). */
export function workingDayFrom(days: readonly { day: string; kind: string }[]): WorkingDay {
  const listed = new Map(days.map((d) => [d.day, d.kind]))
  return (day) => {
    const kind = listed.get(day)
    if (kind === 'holiday') return false
    if (kind === 'workday') return true
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay()
    return weekday !== 0 && weekday !== 6
  }
}

/** The date (YYYY-MM-DD) of a moment in Asia/Shanghai. */
export function localDate(moment: Date): string {
  return new Date(moment.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)
}

/** The last working day of a due time: due_at is 24:00 of that day, i.e. the next day's 00:00. */
export function dueDate(dueAt: string): string {
  return localDate(new Date(new Date(dueAt).getTime() - 1))
}

function addDays(day: string, n: number): string {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() + n * DAY_MS).toISOString().slice(0, 10)
}

/** Working days in (start, end]; 0 when end is not after start. */
export function workingDaysBetween(start: string, end: string, isWorking: WorkingDay): number {
  let count = 0
  for (let day = addDays(start, 1); day <= end; day = addDays(day, 1)) if (isWorking(day)) count += 1
  return count
}

/** Working days left until the due date (negative when overdue), counted as gov_common.workdays does. */
export function remainingWorkingDays(now: Date, dueAt: string, isWorking: WorkingDay): number {
  const today = localDate(now)
  const due = dueDate(dueAt)
  return today <= due ? workingDaysBetween(today, due, isWorking) : -workingDaysBetween(due, today, isWorking)
}

export type TimeLevel = 'none' | 'paused' | 'normal' | 'yellow' | 'red'

export interface RemainingTime {
  level: TimeLevel
  /** Working days left (negative: days past due), or null when the case has no clock. */
  days: number | null
  /** What a person reads: 剩余 3 个工作日, 已超期 2 个工作日, 已暂停, 今日到期, 无时限. */
  text: string
}

/**
 * The mark of a case in the work list. `limitDays` is the item's committed limit (working days);
 * `isWorking` the calendar (without it the days as last reported are shown).
 */
export function remainingTime(clock: WorkClock | null | undefined, options: { now?: Date; limitDays?: number | null; isWorking?: WorkingDay } = {}): RemainingTime {
  if (!clock || !clock.due_at) return { level: 'none', days: null, text: '无时限' }
  const now = options.now ?? new Date()
  if (clock.paused) {
    // Time does not run while paused: the days reported at the pause are still the days left.
    const days = clock.remaining_working_days
    return { level: 'paused', days, text: days === null ? '已暂停' : `已暂停（剩余 ${days} 个工作日）` }
  }
  const days = options.isWorking ? remainingWorkingDays(now, clock.due_at, options.isWorking) : clock.remaining_working_days
  const overdue = clock.overdue || new Date(clock.due_at).getTime() < now.getTime()
  if (overdue) {
    const late = days !== null && days < 0 ? -days : 0
    return { level: 'red', days, text: late > 0 ? `已超期 ${late} 个工作日` : '已超期' }
  }
  const limit = options.limitDays ?? null
  const yellow = days !== null && limit !== null && limit > 0 && (limit - days) / limit >= YELLOW_SHARE
  const text = days === null ? '—' : days === 0 ? '今日到期' : `剩余 ${days} 个工作日`
  return { level: yellow ? 'yellow' : 'normal', days, text }
}

/**
 * The committed limit (working days) a case's yellow mark is measured against: the one the case was
 * filed with, as the business system keeps it from the dispatched case; for a case dispatched before
 * that was kept, the item's current limit from the catalogue (which may have changed since).
 */
export function committedLimit(work: { committed_days?: number | null }, catalogueLimit: number | null | undefined): number | null {
  return work.committed_days ?? catalogueLimit ?? null
}

/** Element Plus tag type of a mark. */
export function timeTag(level: TimeLevel): 'success' | 'warning' | 'danger' | 'info' {
  if (level === 'red') return 'danger'
  if (level === 'yellow') return 'warning'
  if (level === 'normal') return 'success'
  return 'info'
}

export const TIME_LEVEL_LABEL: Record<TimeLevel, string> = {
  none: '无时限',
  paused: '已暂停',
  normal: '正常',
  yellow: '黄牌预警',
  red: '红牌超时',
}

// ---------------------------------------------------------------- steps and actions

export interface ChainStep {
  no: number
  name: string
  label: string
  role: string
}

export interface ActionChoice {
  action: StepAction
  /** The button's text: 通过，转审核 / 退回承办 / 准予许可 / 不予许可. */
  label: string
  /** For a send-back, the step the case returns to. */
  to?: ChainStep
}

export interface AllowedActions {
  /** The step the case waits at (null when decided). */
  step: ChainStep | null
  actions: ActionChoice[]
  /** Why nothing is allowed, when nothing is. */
  reason: string | null
}

export const STEP_ROLE_LABEL: Record<string, string> = {
  handler: '承办人员',
  reviewer: '审核人员',
  approver: '批准人员',
  department_admin: '部门管理员',
}

/**
 * What the logged-in person may do on a case: the chain's last step decides (approve, deny),
 * every earlier step passes it on, any step after the first may send it back to the previous one;
 * only a holder of the step's role acts (a department admin oversees but does not act).
 */
export function allowedActions(
  work: { status: string; current_step: number | null; chain: readonly ChainStep[] },
  roles: readonly string[],
): AllowedActions {
  if (work.status !== 'pending' || work.current_step === null) return { step: null, actions: [], reason: '本办件已作出决定' }
  const step = work.chain[work.current_step - 1]
  if (!step) return { step: null, actions: [], reason: '审批链中没有当前步骤' }
  if (!roles.includes(step.role)) {
    return { step, actions: [], reason: `当前步骤“${step.label}”由${STEP_ROLE_LABEL[step.role] ?? step.role}办理` }
  }
  const actions: ActionChoice[] = []
  const last = work.current_step === work.chain.length
  if (last) {
    actions.push({ action: 'approve', label: '准予许可' }, { action: 'deny', label: '不予许可' })
  } else {
    const next = work.chain[work.current_step]!
    actions.push({ action: 'pass', label: `通过，转${next.label}` })
  }
  if (work.current_step > 1) {
    const previous = work.chain[work.current_step - 2]!
    actions.push({ action: 'send_back', label: `退回${previous.label}`, to: previous })
  }
  return { step, actions, reason: null }
}

const ACTION_LABEL: Record<string, string> = { pass: '通过', send_back: '退回', approve: '准予许可', deny: '不予许可' }

/** An action in the chain's history as a person reads it: 审核：退回承办 / 承办：通过. */
export function actionText(action: { step_no: number; action: string; sent_back_to: number | null }, chain: readonly ChainStep[]): string {
  const step = chain[action.step_no - 1]
  const name = step?.label ?? `第${action.step_no}步`
  if (action.action === 'send_back') {
    const to = action.sent_back_to ? chain[action.sent_back_to - 1] : undefined
    return `${name}：退回${to?.label ?? ''}`
  }
  return `${name}：${ACTION_LABEL[action.action] ?? action.action}`
}

/** A work-list entry's last action, without the chain: 审核 · reviewer-amr 退回：理由. */
export function lastActionText(action: { step_name: string; action: string; by: string; opinion: string }): string {
  const step = STEPS.find((s) => s.name === action.step_name)?.label ?? action.step_name
  return `${step} · ${action.by} ${ACTION_LABEL[action.action] ?? action.action}：${action.opinion}`
}

/** My own action in 我已办理, without my name (the list is mine): 审核 · 退回：理由. The time has its own column. */
export function myActionText(action: { step_name: string; action: string; opinion: string }): string {
  const step = STEPS.find((s) => s.name === action.step_name)?.label ?? action.step_name
  return `${step} · ${ACTION_LABEL[action.action] ?? action.action}：${action.opinion}`
}

/** The opinion's client-side check: the API takes 1 to 2000 characters. */
export function checkOpinion(opinion: string, action: StepAction | ''): string | null {
  if (!opinion.trim()) return action === 'send_back' ? '退回须写明理由' : '请填写审批意见'
  if (opinion.length > 2000) return '审批意见最多2000字'
  return null
}

/** The steps of the work list's tabs, in chain order. */
export const STEPS: readonly { name: StepName; label: string }[] = [
  { name: 'handle', label: '承办' },
  { name: 'review', label: '审核' },
  { name: 'approve', label: '批准' },
]

// ---------------------------------------------------------------- how a material was provided

export interface DispatchedMaterial {
  code: string
  file_id?: string | null
  license_no?: string | null
  paper_received?: boolean
  paper_received_by?: string | null
}

export type Provision = 'licence' | 'file' | 'paper' | 'form'

/**
 * How a material of a case was provided, as a person reads it: an electronic licence, an uploaded
 * file, paper a window clerk confirmed (the original seen or the copy received, by the material's
 * form in the item version the case was filed under, and who when known), or — none of these —
 * the online form itself.
 */
export function materialProvision(material: DispatchedMaterial, form?: string | null): { kind: Provision; text: string } {
  if (material.license_no) return { kind: 'licence', text: `电子证照 ${material.license_no}` }
  if (material.file_id) return { kind: 'file', text: '电子文件' }
  if (material.paper_received) {
    const what = form === 'original' ? '窗口已核验纸质原件' : form === 'copy' ? '窗口已收取复印件' : '窗口已核验纸质材料'
    return { kind: 'paper', text: material.paper_received_by ? `${what}（经办人 ${material.paper_received_by}）` : what }
  }
  return { kind: 'form', text: '网上申报表单' }
}

// ---------------------------------------------------------------- the review API's refusals in Chinese

const REVIEW_MESSAGES: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/is at step (\d+) \(([^)]*)\), not step (\d+)/, (m) => `办件已在第 ${m[1]} 步（${m[2]}），不在第 ${m[3]} 步：他人已办理，请刷新后查看`],
  [/is already (approved|denied)/, (m) => `办件已${m[1] === 'approved' ? '准予许可' : '不予许可'}，不能再办理`],
  [/^step (\d+) \(([^)]*)\) of this case is performed by the role (\w+)/, (m) => `第 ${m[1]} 步（${m[2]}）应由${STEP_ROLE_LABEL[m[3]!] ?? m[3]}办理`],
  [/^only the last step decides/, () => '只有最后一步可以作出准予或不予许可的决定'],
  [/^the last step decides/, () => '最后一步须作出准予或不予许可的决定'],
  [/^the first step has no step before it/, () => '第一步之前没有可退回的步骤'],
  [/^String should have at least 1 character/, () => '请填写审批意见'],
  [/^String should have at most 2000 characters/, () => '审批意见最多2000字'],
  [/does not wait in|is not waiting in/, () => '办件当前不在该流程步骤，可能已由他人办理'],
  [/is completed by intake or by the department's decision/, () => '该步骤由受理或部门审批决定完成，不能在此办理'],
  [/^only PDF, JPEG and PNG|is named as|is declared as/, () => '仅支持 PDF、JPEG、PNG 文件，且文件名后缀须与文件内容一致'],
  [/^the file is empty/, () => '文件为空'],
  [/^the file is larger than (\d+) bytes/, (m) => `文件超过大小上限（${Math.floor(Number(m[1]) / 1048576)} MB）`],
]

/** A refusal of the review, attachment or process-task API in Chinese; undefined when unknown. */
export function reviewMessage(message: string): string | undefined {
  // The business systems answer in Chinese now; English sentences are older services'.
  if (/[\u3400-\u9fff]/.test(message) && !/[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]+){2,}/.test(message)) return message
  for (const [pattern, render] of REVIEW_MESSAGES) {
    const match = message.match(pattern)
    if (match) return render(match)
  }
  return undefined
}

// ---------------------------------------------------------------- BPMN department steps

/** A variable a department step gives the process (its gateways may test it), as typed by a person. */
export interface TaskVariable {
  name: string
  value: string
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The variables as the API takes them: true/false and numbers as such, the rest as text; errors by row. */
export function taskData(rows: readonly TaskVariable[]): { data: Record<string, string | number | boolean>; errors: Record<number, string> } {
  const data: Record<string, string | number | boolean> = {}
  const errors: Record<number, string> = {}
  rows.forEach((row, index) => {
    const name = row.name.trim()
    if (!name && !row.value.trim()) return
    if (!VARIABLE_NAME.test(name)) errors[index] = '变量名须以字母或下划线开头，只含字母、数字和下划线'
    else if (name in data) errors[index] = `变量 ${name} 重复`
    else {
      const text = row.value.trim()
      data[name] = text === 'true' ? true : text === 'false' ? false : text !== '' && Number.isFinite(Number(text)) ? Number(text) : text
    }
  })
  return { data, errors }
}

/** The department steps a case waits in: entered, not left, and not the platform's own states. */
export function openTasks<T extends { state: string; left_at: string | null }>(states: readonly T[], platformStates: ReadonlySet<string>): T[] {
  return states.filter((s) => s.left_at === null && !platformStates.has(s.state))
}
