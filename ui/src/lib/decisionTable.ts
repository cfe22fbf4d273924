/** A GoRules JDM decision graph read as the table people edit: columns and rows of conditions. */

export interface TableColumn {
  id: string
  name: string
  field: string
}

export interface DecisionTableView {
  name: string
  hitPolicy: string
  inputs: TableColumn[]
  outputs: TableColumn[]
  rows: { id: string; cells: Record<string, string> }[]
}

function columns(value: unknown): TableColumn[] {
  if (!Array.isArray(value)) return []
  return value
    .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === 'object')
    .map((c) => ({ id: String(c.id ?? ''), name: String(c.name ?? c.field ?? ''), field: String(c.field ?? '') }))
}

/** The graph's first decision table, or null when it has none. */
export function decisionTable(graph: Record<string, unknown> | null | undefined): DecisionTableView | null {
  const nodes = Array.isArray(graph?.nodes) ? (graph.nodes as Record<string, unknown>[]) : []
  const node = nodes.find((n) => n && n.type === 'decisionTableNode')
  const content = (node?.content ?? null) as Record<string, unknown> | null
  if (!node || !content) return null
  const rules = Array.isArray(content.rules) ? (content.rules as Record<string, unknown>[]) : []
  return {
    name: String(node.name ?? ''),
    hitPolicy: String(content.hitPolicy ?? ''),
    inputs: columns(content.inputs),
    outputs: columns(content.outputs),
    rows: rules.map((r, index) => ({
      id: String(r._id ?? index),
      cells: Object.fromEntries(Object.entries(r).filter(([k]) => k !== '_id').map(([k, v]) => [k, String(v ?? '')])),
    })),
  }
}

/** The text of a graph typed or pasted by a person: an object, or a message saying why not. */
export function parseGraph(text: string): { graph: Record<string, unknown> } | { error: string } {
  if (!text.trim()) return { error: '请填写决策图（JSON）' }
  try {
    const value: unknown = JSON.parse(text)
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: '决策图应为 JSON 对象' }
    return { graph: value as Record<string, unknown> }
  } catch (cause) {
    return { error: `不是有效的 JSON：${cause instanceof Error ? cause.message : String(cause)}` }
  }
}

/** The facts a decision table sees at dispatch: the applicant's type, age and credit, and the form. */
export function trialFacts(applicant: { type: string; age: string; blackListed: boolean }, form: Record<string, unknown>): Record<string, unknown> {
  const age = applicant.age.trim() === '' ? null : Number(applicant.age)
  return {
    applicant: { type: applicant.type, age: Number.isFinite(age) ? age : null, credit: { black_listed: applicant.blackListed, red_listed: false } },
    form,
  }
}

/** An output cell as a person reads it: a quoted string without quotes, true/false as 是/否. */
export function outputText(cell: string | undefined): string {
  const text = (cell ?? '').trim()
  if (text === 'true') return '是'
  if (text === 'false') return '否'
  const quoted = /^"(.*)"$/s.exec(text) ?? /^'(.*)'$/s.exec(text)
  return quoted ? quoted[1]! : text
}
