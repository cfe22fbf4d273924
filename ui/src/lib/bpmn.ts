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
