/** Reading a BPMN 2.0 process in the browser: its wait states (userTasks), for time limits. */

export interface UserTask {
  id: string
  name: string
}

/** The platform's own states: intake (受理) and the department's decision (部门审批). */
export const PLATFORM_STATES = new Set(['intake', 'department_review'])

/**
 * The userTasks of the process, in document order; `null` when the text is not XML. The server
 * checks everything else (allowed elements, conditions) and names what it refuses.
 */
export function userTasks(xml: string): UserTask[] | null {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return null
  const tasks: UserTask[] = []
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    if (element.localName !== 'userTask') continue
    const id = element.getAttribute('id')
    if (id) tasks.push({ id, name: element.getAttribute('name') ?? '' })
  }
  return tasks
}

/** Time limits as the API takes them: whole working days 0–365, blank ones left out. */
export function checkTimeLimits(limits: Record<string, string>): { value: Record<string, number>; errors: Record<string, string> } {
  const value: Record<string, number> = {}
  const errors: Record<string, string> = {}
  for (const [state, raw] of Object.entries(limits)) {
    const text = raw.trim()
    if (!text) continue
    const days = Number(text)
    if (!Number.isInteger(days) || days < 0 || days > 365) errors[state] = '时限应为0至365之间的整数（工作日）'
    else value[state] = days
  }
  return { value, errors }
}

/** A sequence flow leaving a gateway: where it goes and on what condition. */
export interface Branch {
  id: string
  /** The flow's own name (a modeller's label), if any. */
  name: string
  from: string
  to: string
  /** The condition's expression; empty for the gateway's default flow or a flow without one. */
  condition: string
  isDefault: boolean
}

function elements(within: Document | Element, localName: string): Element[] {
  return Array.from(within.getElementsByTagName('*')).filter((e) => e.localName === localName)
}

/** The process's name (its `name`, else its id), and the flows leaving its gateways, in document order. */
export function processOutline(xml: string): { name: string; branches: Branch[] } | null {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return null
  const process = elements(doc, 'process').find((p) => p.getAttribute('isExecutable') !== 'false')
  const names = new Map<string, string>()
  const defaults = new Set<string>()
  const gateways = new Set<string>()
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const id = element.getAttribute('id')
    if (!id) continue
    names.set(id, element.getAttribute('name') || id)
    if (/Gateway$/.test(element.localName)) {
      gateways.add(id)
      const fallback = element.getAttribute('default')
      if (fallback) defaults.add(fallback)
    }
  }
  const branches: Branch[] = []
  for (const flow of elements(doc, 'sequenceFlow')) {
    const id = flow.getAttribute('id') ?? ''
    const source = flow.getAttribute('sourceRef') ?? ''
    const target = flow.getAttribute('targetRef') ?? ''
    const condition = (elements(flow, 'conditionExpression')[0]?.textContent ?? '').trim()
    if (!gateways.has(source) && !condition) continue
    branches.push({ id, name: flow.getAttribute('name') ?? '', from: names.get(source) ?? source, to: names.get(target) ?? target, condition, isDefault: defaults.has(id) })
  }
  return { name: process?.getAttribute('name') || process?.getAttribute('id') || '', branches }
}

/** A way a department step can end, as the process's next gateway tells them apart (e.g. 核查通过 / 核查不通过):
 *  its label and the process variables that send the case down that branch. */
export interface TaskChoice {
  label: string
  data: Record<string, string | number | boolean>
}

const SIMPLE_CONDITION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*==\s*(true|false|-?\d+(?:\.\d+)?|"[^"\\]*"|'[^'\\]*')\s*$/

function literal(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true'
  if (/^["']/.test(text)) return text.slice(1, -1)
  return Number(text)
}

/**
 * The branches of the exclusive gateway right after `taskId`, as choices for the person completing the task:
 * offered only when every conditional branch compares one and the same variable with a value
 * (`inspection_passed == true`); the default branch too when that variable is a yes/no one tested for one
 * value (it then gets the other). Otherwise none: the step is completed with free variables.
 */
export function taskChoices(xml: string, taskId: string): TaskChoice[] {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return []
  const byId = new Map<string, Element>()
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const id = element.getAttribute('id')
    if (id) byId.set(id, element)
  }
  const flows = elements(doc, 'sequenceFlow')
  const leaving = flows.filter((f) => f.getAttribute('sourceRef') === taskId)
  const only = leaving.length === 1 ? leaving[0] : undefined
  if (!only) return []
  const gateway = byId.get(only.getAttribute('targetRef') ?? '')
  if (!gateway || gateway.localName !== 'exclusiveGateway') return []
  const fallback = gateway.getAttribute('default')
  const branches = flows.filter((f) => f.getAttribute('sourceRef') === gateway.getAttribute('id'))
  const label = (flow: Element): string => {
    const target = byId.get(flow.getAttribute('targetRef') ?? '')
    return flow.getAttribute('name') || target?.getAttribute('name') || ''
  }
  const choices: TaskChoice[] = []
  let variable = ''
  const values: (string | number | boolean)[] = []
  for (const flow of branches) {
    if (flow.getAttribute('id') === fallback) continue
    const match = SIMPLE_CONDITION.exec(elements(flow, 'conditionExpression')[0]?.textContent ?? '')
    const [, name = '', text = ''] = match ?? []
    if (!match || (variable && name !== variable) || !label(flow)) return []
    variable = name
    const value = literal(text)
    values.push(value)
    choices.push({ label: label(flow), data: { [variable]: value } })
  }
  if (!variable) return []
  const defaultFlow = branches.find((f) => f.getAttribute('id') === fallback)
  if (defaultFlow) {
    if (values.length !== 1 || typeof values[0] !== 'boolean' || !label(defaultFlow)) return []
    choices.push({ label: label(defaultFlow), data: { [variable]: !values[0] } })
  }
  return choices
}
