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

// ---------------------------------------------------------------- the cell-by-cell editor

/**
 * A decision table as the editor holds it. Everything of the graph the editor does not show
 * (other nodes, edges, positions, extra column and content properties) is kept in `graph` and
 * `extra`, so converting back gives the same JDM graph when nothing was changed.
 */
export interface EditorColumn {
  id: string
  name: string
  field: string
  /** Properties of the JDM column the editor does not show (e.g. `type`, `defaultValue`). */
  extra: Record<string, unknown>
}

export interface EditorRow {
  id: string
  cells: Record<string, string>
  /** Properties of the JDM rule the editor does not show (`_description`, ...). */
  extra: Record<string, unknown>
}

export type HitPolicy = 'first' | 'collect'

export interface TableModel {
  /** The graph it came from: the table node is replaced in a copy of it on the way back. */
  graph: Record<string, unknown>
  nodeId: string
  name: string
  hitPolicy: HitPolicy
  inputs: EditorColumn[]
  outputs: EditorColumn[]
  rows: EditorRow[]
}

export const HIT_POLICIES: readonly { value: HitPolicy; label: string }[] = [
  { value: 'first', label: '首条命中（从上到下，第一条满足的规则生效）' },
  { value: 'collect', label: '全部命中（所有满足的规则都生效）' },
]

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

function editorColumns(value: unknown): EditorColumn[] {
  if (!Array.isArray(value)) return []
  return value
    .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === 'object')
    .map(({ id, name, field, ...extra }) => ({ id: String(id ?? ''), name: String(name ?? ''), field: String(field ?? ''), extra: clone(extra) }))
}

function tableNode(graph: Record<string, unknown>): Record<string, unknown> | undefined {
  const nodes = Array.isArray(graph.nodes) ? (graph.nodes as Record<string, unknown>[]) : []
  return nodes.find((n) => n && typeof n === 'object' && n.type === 'decisionTableNode')
}

/** The graph's first decision table for the editor, or null when it has none. */
export function fromGraph(graph: Record<string, unknown> | null | undefined): TableModel | null {
  if (!graph || typeof graph !== 'object') return null
  const node = tableNode(graph)
  const content = node?.content as Record<string, unknown> | undefined
  if (!node || !content || typeof content !== 'object') return null
  const inputs = editorColumns(content.inputs)
  const outputs = editorColumns(content.outputs)
  const columnIds = new Set([...inputs, ...outputs].map((c) => c.id))
  const rules = Array.isArray(content.rules) ? (content.rules as Record<string, unknown>[]) : []
  return {
    graph: clone(graph),
    nodeId: String(node.id ?? ''),
    name: String(node.name ?? ''),
    hitPolicy: content.hitPolicy === 'collect' ? 'collect' : 'first',
    inputs,
    outputs,
    rows: rules.map((rule, index) => {
      const cells: Record<string, string> = {}
      const extra: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(rule ?? {})) {
        if (key === '_id') continue
        if (columnIds.has(key)) cells[key] = value === null || value === undefined ? '' : String(value)
        else extra[key] = clone(value)
      }
      for (const id of columnIds) cells[id] ??= ''
      return { id: String(rule?._id ?? `r${index}`), cells, extra }
    }),
  }
}

/** The JDM graph the API takes: the original graph with the table node's name and content replaced. */
export function toGraph(model: TableModel): Record<string, unknown> {
  const graph = clone(model.graph)
  const nodes = Array.isArray(graph.nodes) ? (graph.nodes as Record<string, unknown>[]) : []
  const node = nodes.find((n) => n && n.id === model.nodeId && n.type === 'decisionTableNode')
  if (!node) throw new Error('the graph lost its decision table node')
  const column = (c: EditorColumn): Record<string, unknown> => ({ id: c.id, name: c.name, field: c.field, ...clone(c.extra) })
  const content = (node.content ?? {}) as Record<string, unknown>
  node.name = model.name
  node.content = {
    ...content,
    hitPolicy: model.hitPolicy,
    inputs: model.inputs.map(column),
    outputs: model.outputs.map(column),
    rules: model.rows.map((row) => {
      const rule: Record<string, unknown> = { _id: row.id }
      for (const c of [...model.inputs, ...model.outputs]) rule[c.id] = row.cells[c.id] ?? ''
      return { ...rule, ...clone(row.extra) }
    }),
  }
  return graph
}

/** A new one-table graph, as the platform builds its own: input → table → output, eligible and reason out. */
export function newGraph(name: string): Record<string, unknown> {
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'input', type: 'inputNode', name: '申请信息', position: { x: 0, y: 0 } },
      {
        id: 'table',
        type: 'decisionTableNode',
        name,
        position: { x: 300, y: 0 },
        content: {
          hitPolicy: 'first',
          inputs: [{ id: 'in0', name: '申请人年龄', field: 'applicant.age' }],
          outputs: [
            { id: 'out0', name: '是否符合', field: 'eligible' },
            { id: 'out1', name: '理由', field: 'reason' },
          ],
          rules: [{ _id: 'r0', in0: '', out0: 'false', out1: '"转人工审核"' }],
        },
      },
      { id: 'output', type: 'outputNode', name: '结论', position: { x: 600, y: 0 } },
    ],
    edges: [
      { id: 'e0', sourceId: 'input', targetId: 'table', type: 'edge' },
      { id: 'e1', sourceId: 'table', targetId: 'output', type: 'edge' },
    ],
  }
}

function freshId(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  let n = 0
  while (used.has(`${prefix}${n}`)) n += 1
  return `${prefix}${n}`
}

/** A copy of the model with an empty row inserted at `index` (default: before the last, catch-all row). */
export function addRow(model: TableModel, index = Math.max(0, model.rows.length - 1)): TableModel {
  const id = freshId('r', model.rows.map((r) => r.id))
  const cells = Object.fromEntries([...model.inputs, ...model.outputs].map((c) => [c.id, '']))
  const rows = [...model.rows]
  rows.splice(Math.min(Math.max(0, index), rows.length), 0, { id, cells, extra: {} })
  return { ...model, rows }
}

export function removeRow(model: TableModel, rowId: string): TableModel {
  return { ...model, rows: model.rows.filter((r) => r.id !== rowId) }
}

/** Moves a row up (-1) or down (+1); with "first" hit policy the order decides which rule wins. */
export function moveRow(model: TableModel, rowId: string, by: -1 | 1): TableModel {
  const from = model.rows.findIndex((r) => r.id === rowId)
  const to = from + by
  if (from < 0 || to < 0 || to >= model.rows.length) return model
  const rows = [...model.rows]
  const [row] = rows.splice(from, 1)
  rows.splice(to, 0, row!)
  return { ...model, rows }
}

export function addColumn(model: TableModel, kind: 'input' | 'output'): TableModel {
  const id = freshId(kind === 'input' ? 'in' : 'out', [...model.inputs, ...model.outputs].map((c) => c.id))
  const column: EditorColumn = { id, name: '', field: '', extra: {} }
  const rows = model.rows.map((r) => ({ ...r, cells: { ...r.cells, [id]: '' } }))
  return kind === 'input' ? { ...model, inputs: [...model.inputs, column], rows } : { ...model, outputs: [...model.outputs, column], rows }
}

export function removeColumn(model: TableModel, columnId: string): TableModel {
  const rows = model.rows.map((r) => {
    const cells = { ...r.cells }
    delete cells[columnId]
    return { ...r, cells }
  })
  return { ...model, inputs: model.inputs.filter((c) => c.id !== columnId), outputs: model.outputs.filter((c) => c.id !== columnId), rows }
}

// ---------------------------------------------------------------- checks where the rules are clear

const FULL_WIDTH = /[“”‘’，（）＞＜＝！【】；：]/
const NUMBER = /^-?\d+(\.\d+)?$/
const STRING = /^("([^"\\]|\\.)*"|'([^'\\]|\\.)*')$/
const LITERAL = (text: string): boolean => NUMBER.test(text) || STRING.test(text) || ['true', 'false', 'null'].includes(text)
const INTERVAL = /^[[(]\s*(-?\d+(\.\d+)?|"[^"]*")\s*\.\.\s*(-?\d+(\.\d+)?|"[^"]*")\s*[\])]$/
const PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/

/** Strings closed, brackets balanced; the text with string contents blanked, or an error. */
function structure(text: string): { masked: string } | { error: string } {
  let masked = ''
  const stack: string[] = []
  const pairs: Record<string, string> = { ')': '(', ']': '[' }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '"' || ch === "'") {
      let j = i + 1
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1
      if (j >= text.length) return { error: '引号未闭合' }
      masked += `${ch}${' '.repeat(j - i - 1)}${ch}`
      i = j
      continue
    }
    if (ch === '(' || ch === '[') stack.push(ch)
    else if (ch === ')' || ch === ']') {
      if (stack.pop() !== pairs[ch]) return { error: '括号不配对' }
    }
    masked += ch
  }
  if (stack.length) return { error: '括号不配对' }
  if (FULL_WIDTH.test(masked)) return { error: '请使用英文半角符号（引号、逗号、括号、比较符号）' }
  return { masked }
}

const CJK = /[\u3400-\u9fff]/

/** Unquoted words: text meant as a value but read by the engine as a variable that does not exist. */
function bareTextError(text: string): string | null {
  const shape = structure(text)
  if ('error' in shape) return shape.error
  if (CJK.test(shape.masked)) return '文字须加英文双引号，例如 "符合秒批条件"'
  if (PATH.test(text) && !LITERAL(text) && !/^(applicant|form)\./.test(text) && !text.startsWith('$')) return '文字须加英文双引号，例如 "person"'
  return null
}

const TRAILING_OPERATOR = /(\+|-|\*|\/|%|\^|<|>|=|!|,|\band|\bor|\bnot)\s*$/
const LEADING_OPERATOR = /^\s*(\*|\/|%|\^|=|,|and\b|or\b)/

function expressionError(text: string): string | null {
  const shape = structure(text)
  if ('error' in shape) return shape.error
  if (TRAILING_OPERATOR.test(shape.masked)) return '表达式不完整：结尾缺少数值'
  if (LEADING_OPERATOR.test(shape.masked)) return '表达式不完整：开头缺少数值'
  if (/(<|>|==|!=|<=|>=)\s*(<|>|==|!=)/.test(shape.masked)) return '比较符号重复'
  if (/(^|[^=!<>])=([^=]|$)/.test(shape.masked)) return '相等应写作 ==（条件中也可以直接写值）'
  return null
}

/**
 * A condition cell (zen-engine's unary test against the column's value): empty means any; a
 * comparison (`< 18`, `>= 100`), a value or a list of values (`"person", "entity"`), an interval
 * (`[1..10]`), or an expression on `$`. zen-engine treats a condition it cannot parse as never
 * matching, silently, so what is clearly wrong is refused here. Null when it reads well.
 */
export function conditionError(cell: string): string | null {
  const text = cell.trim()
  if (!text) return null
  if (INTERVAL.test(text)) return null
  const shape = structure(text)
  if ('error' in shape) return shape.error
  // Split the top level at commas: each part is one test ("any of").
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < shape.masked.length; i++) {
    const ch = shape.masked[i]
    if (ch === '(' || ch === '[') depth += 1
    else if (ch === ')' || ch === ']') depth -= 1
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  parts.push(text.slice(start).trim())
  for (const part of parts) {
    if (!part) return '逗号前后缺少值'
    if (INTERVAL.test(part) || LITERAL(part)) continue
    const comparison = /^(<=|>=|<|>|==|!=)\s*(.*)$/.exec(part)
    if (comparison) {
      const operand = comparison[2]!.trim()
      if (!operand) return '比较符号后缺少数值'
      if (/^(<|>|=|!)/.test(operand)) return '比较符号重复'
      const inner = expressionError(operand)
      if (inner) return inner
      continue
    }
    if (/^=[^=]/.test(part)) return '相等应写作 ==（条件中也可以直接写值）'
    const inner = expressionError(part)
    if (inner) return inner
    const bare = bareTextError(part)
    if (bare) return bare
  }
  return null
}

/** An output cell (a zen-engine expression): required; text in double quotes, true/false for yes/no. */
export function outputError(cell: string, field: string): string | null {
  const text = cell.trim()
  if (!text) return '请填写结论'
  if (field === 'eligible' && text !== 'true' && text !== 'false') return '请选择“是”或“否”'
  const inner = expressionError(text)
  if (inner) return inner
  return bareTextError(text)
}

export interface TableProblems {
  /** `${rowId}:${columnId}` -> message */
  cells: Record<string, string>
  /** `${columnId}.name` / `${columnId}.field` -> message */
  columns: Record<string, string>
  /** Messages about the table as a whole. */
  table: string[]
}

/** The checks whose rules are clear, before the API runs the table: columns, cells, the outputs the platform reads. */
export function checkTable(model: TableModel): TableProblems {
  const problems: TableProblems = { cells: {}, columns: {}, table: [] }
  if (!model.name.trim()) problems.table.push('请填写决策表名称')
  if (!model.rows.length) problems.table.push('至少需要一条规则')
  const seen = new Map<string, string>()
  for (const [kind, columns] of [['input', model.inputs], ['output', model.outputs]] as const) {
    for (const column of columns) {
      if (!column.name.trim()) problems.columns[`${column.id}.name`] = '请填写列名'
      const field = column.field.trim()
      const key = `${kind}:${field}`
      const what = kind === 'input' ? '判定项' : '结论项'
      if (!field) problems.columns[`${column.id}.field`] = `请选择${what}`
      else if (!PATH.test(field) || (kind === 'input' && !/^(applicant|form)\./.test(field))) problems.columns[`${column.id}.field`] = `${what}无效，请从列表中选择`
      else if (seen.has(key)) problems.columns[`${column.id}.field`] = `${what}重复`
      seen.set(key, column.id)
    }
  }
  const outputFields = model.outputs.map((c) => c.field.trim())
  if (!outputFields.includes('eligible')) problems.table.push('结论须含“是否符合秒批条件”一列')
  if (!outputFields.includes('reason')) problems.table.push('结论须含“理由”一列')
  for (const row of model.rows) {
    for (const column of model.inputs) {
      const message = conditionError(row.cells[column.id] ?? '')
      if (message) problems.cells[`${row.id}:${column.id}`] = message
    }
    for (const column of model.outputs) {
      const message = outputError(row.cells[column.id] ?? '', column.field.trim())
      if (message) problems.cells[`${row.id}:${column.id}`] = message
    }
  }
  return problems
}

export function hasProblems(problems: TableProblems): boolean {
  return Object.keys(problems.cells).length > 0 || Object.keys(problems.columns).length > 0 || problems.table.length > 0
}
