/**
 * Conditions as staff build and read them: a variable picked from the list the API gives
 * (GET /items/{code}/rules/variables), an operator in Chinese and a value that fits the variable's
 * type; and the engine's text they stand for (zen-engine: a decision table's condition cell is a
 * unary test such as `< 18`, `"person", "entity"`, `[1..10]`; a process flow's condition is an
 * expression such as `intake_result == "accepted"`). What the picker cannot represent is kept as
 * text, to be edited as such ("高级").
 */

export type VariableType = 'number' | 'integer' | 'text' | 'date' | 'boolean' | 'enum'

export interface VariableOption {
  value: string
  label: string
}

export interface RuleVariable {
  /** The fact's path as the engine reads it (`applicant.age`, `form.capital`, `channel`). */
  path: string
  label: string
  type: VariableType
  group: string
  options: VariableOption[]
}

export type Operator = 'any' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'between' | 'in'
export type Value = string | number | boolean

export type Condition = { op: Operator; values: Value[] } | { op: 'advanced'; text: string }

export const OPERATORS: { value: Operator; label: string }[] = [
  { value: 'any', label: '任意' },
  { value: 'eq', label: '等于' },
  { value: 'ne', label: '不等于' },
  { value: 'lt', label: '小于' },
  { value: 'le', label: '小于等于' },
  { value: 'gt', label: '大于' },
  { value: 'ge', label: '大于等于' },
  { value: 'between', label: '介于…之间' },
  { value: 'in', label: '属于以下之一' },
]

const SYMBOL: Record<string, Operator> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }
const SYMBOL_OF: Partial<Record<Operator, string>> = { ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' }

/** The operators that make sense for a variable of this type (all of them for one the list does not know). */
export function operatorsFor(type: VariableType | undefined): { value: Operator; label: string }[] {
  const allowed: Record<VariableType, Operator[]> = {
    number: ['any', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'between', 'in'],
    integer: ['any', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'between', 'in'],
    date: ['any', 'eq', 'ne', 'in'], // the engine compares no text by order
    text: ['any', 'eq', 'ne', 'in'],
    enum: ['any', 'eq', 'ne', 'in'],
    boolean: ['any', 'eq'],
  }
  const ops = type ? allowed[type] : OPERATORS.map((o) => o.value)
  return OPERATORS.filter((o) => ops.includes(o.value))
}

// ---------------------------------------------------------------- literals

const NUMBER = /^-?\d+(\.\d+)?$/

/** A literal of the engine's language (number, quoted text, true/false), or undefined. */
export function parseLiteral(token: string): Value | undefined {
  const text = token.trim()
  if (NUMBER.test(text)) return Number(text)
  if (text === 'true') return true
  if (text === 'false') return false
  // zen-engine's strings have no escapes: the text between two equal quotes that holds none.
  const quote = text[0]
  if ((quote === '"' || quote === "'") && text.length >= 2 && text.endsWith(quote) && !text.slice(1, -1).includes(quote)) return text.slice(1, -1)
  return undefined
}

export function formatLiteral(value: Value): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (!value.includes('"')) return `"${value}"`
  if (!value.includes("'")) return `'${value}'`
  return `"${value.replace(/"/g, '”')}"`
}

/** The text split at top-level `separator`s (outside quotes and brackets). */
function splitTop(text: string, separator: RegExp): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '"' || ch === "'") {
      let j = i + 1
      while (j < text.length && text[j] !== ch) j += 1
      i = j
      continue
    }
    if (ch === '(' || ch === '[') depth += 1
    else if (ch === ')' || ch === ']') depth -= 1
    else if (depth === 0) {
      separator.lastIndex = 0
      const match = separator.exec(text.slice(i))
      if (match && match.index === 0) {
        parts.push(text.slice(start, i))
        start = i + match[0].length
        i = start - 1
      }
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim())
}

// ---------------------------------------------------------------- condition cells (unary tests)

/** A condition cell as the picker holds it; what it cannot represent comes back as `advanced`. */
export function parseCondition(cell: string): Condition {
  const text = cell.trim()
  if (!text) return { op: 'any', values: [] }
  const advanced: Condition = { op: 'advanced', text: cell }
  const parts = splitTop(text, /,/y)
  if (parts.length > 1) {
    const values = parts.map(parseLiteral)
    return values.every((v) => v !== undefined) ? { op: 'in', values: values as Value[] } : advanced
  }
  const interval = /^\[\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*\]$/.exec(text)
  if (interval) return { op: 'between', values: [Number(interval[1]), Number(interval[2])] }
  const comparison = /^(<=|>=|==|!=|<|>)\s*(.+)$/s.exec(text)
  if (comparison) {
    const value = parseLiteral(comparison[2]!)
    return value === undefined ? advanced : { op: SYMBOL[comparison[1]!]!, values: [value] }
  }
  const value = parseLiteral(text)
  return value === undefined ? advanced : { op: 'eq', values: [value] }
}

/** The engine's text of a condition: what the API stores in the cell. */
export function formatCondition(condition: Condition): string {
  const { op } = condition
  if (op === 'advanced') return condition.text
  const values = condition.values
  if (op === 'any') return ''
  if (op === 'eq') return formatLiteral(values[0]!)
  if (op === 'between') return `[${values[0]}..${values[1]}]`
  if (op === 'in') return values.map(formatLiteral).join(', ')
  return `${SYMBOL_OF[op]} ${formatLiteral(values[0]!)}`
}

/** A value as a person reads it: an option's label, 是/否, text (in a condition: in Chinese quotes). */
export function valueText(value: unknown, variable?: RuleVariable, quoted = true): string {
  if (value === undefined || value === null || value === '') return '—'
  const option = variable?.options.find((o) => o.value === String(value))
  if (option) return option.label
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return quoted && (!variable || variable.type === 'text') ? `“${value}”` : value
  return JSON.stringify(value)
}

const VERB: Record<Operator, string> = { any: '任意', eq: '等于', ne: '不等于', lt: '小于', le: '小于等于', gt: '大于', ge: '大于等于', between: '介于', in: '属于' }

/** A condition in Chinese: “小于 18”, “属于：个人、法人”, “介于 1 和 10 之间”. */
export function describeCondition(condition: Condition, variable?: RuleVariable): string {
  const { op } = condition
  if (op === 'advanced') return `高级条件：${condition.text.trim()}`
  const values = condition.values.map((v) => valueText(v, variable))
  if (op === 'any') return '任意'
  if (op === 'eq' && typeof condition.values[0] === 'boolean') return values[0]!
  if (op === 'between') return `介于 ${values[0]} 和 ${values[1]} 之间`
  if (op === 'in') return `属于：${values.join('、')}`
  return `${VERB[op]} ${values[0]}`
}

/** A condition cell in Chinese, for the variable of its column. */
export function describeCell(cell: string, variable?: RuleVariable): string {
  return describeCondition(parseCondition(cell), variable)
}

/** Why a condition built with the picker cannot be saved yet (a value missing or not a number), or null. */
export function pickerError(condition: Condition, type: VariableType | undefined): string | null {
  if (condition.op === 'advanced') return condition.text.trim() ? null : '请填写条件'
  if (condition.op === 'any') return null
  const values = condition.values
  const needed = condition.op === 'between' ? 2 : 1
  if (values.length < needed || values.some((v) => v === '' || v === undefined || v === null)) return '请填写值'
  if (type === 'number' || type === 'integer' || condition.op === 'between') {
    if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return '请填写数字'
    if (type === 'integer' && values.some((v) => !Number.isInteger(v))) return '请填写整数'
  }
  if (condition.op === 'between' && (values[0] as number) > (values[1] as number)) return '区间的下限不能大于上限'
  return null
}

/** A value typed into the picker, as the variable's type takes it ('' when empty, NaN for a non-number). */
export function typedValue(raw: string, type: VariableType | undefined): Value {
  const text = raw.trim()
  if (!text) return ''
  if (type === 'number' || type === 'integer') return NUMBER.test(text) ? Number(text) : Number.NaN
  return text
}

// ---------------------------------------------------------------- output cells

/** An output cell that is a plain text (a quoted string): the text, else null (an expression). */
export function plainText(cell: string): string | null {
  const text = cell.trim()
  if (!text) return ''
  const value = parseLiteral(text)
  return typeof value === 'string' ? value : null
}

// ---------------------------------------------------------------- expressions (process flow conditions)

const SIMPLE_TEST = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/s
const PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/

function describeTest(text: string, variables: RuleVariable[]): string | null {
  let part = text.trim()
  const negated = /^(not\s+|!)\s*([\w$.]+)$/.exec(part)
  if (negated && PATH.test(negated[2]!)) {
    const variable = variables.find((v) => v.path === negated[2])
    return `${variable?.label ?? negated[2]}：否`
  }
  if (PATH.test(part)) {
    const variable = variables.find((v) => v.path === part)
    return `${variable?.label ?? part}：是`
  }
  const test = SIMPLE_TEST.exec(part)
  if (!test) return null
  const value = parseLiteral(test[3]!)
  if (value === undefined) return null
  const variable = variables.find((v) => v.path === test[1])
  return `${variable?.label ?? test[1]} ${describeCondition({ op: SYMBOL[test[2]!]!, values: [value] }, variable)}`
}

/**
 * An expression (a process flow's condition) in Chinese when it is one comparison of a variable with
 * a value, or several joined all by `and` (并且) or all by `or` (或者); null otherwise.
 */
export function describeExpression(expression: string, variables: RuleVariable[]): string | null {
  const text = expression.trim()
  if (!text) return null
  for (const [separator, word] of [[/\s+and\s+|\s*&&\s*/y, '，并且'], [/\s+or\s+|\s*\|\|\s*/y, '，或者']] as const) {
    const parts = splitTop(text, separator)
    if (parts.length > 1) {
      const described = parts.map((p) => describeTest(p, variables))
      return described.every((d) => d !== null) ? described.join(word) : null
    }
  }
  return describeTest(text, variables)
}
