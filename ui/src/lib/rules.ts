/** Reading zen-engine's trace of a one-table decision into rows a reviewer can read. */
import type { RuleOutput } from '@/api'

export interface RuleCondition {
  /** The fact's path, e.g. `form.capital` or `applicant.age`. */
  field: string
  /** The value the fact had, as text. */
  value: string
  /** The value the fact had, as the engine saw it. */
  raw: unknown
  /** The matched row's condition on it (`> 100`); empty means "any". */
  condition: string
}

export interface RuleExplanation {
  tableName: string
  rowIndex: number | null
  conditions: RuleCondition[]
}

function lookupPath(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), source)
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '—'
  if (typeof value === 'boolean') return value ? '是' : '否'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

export function ruleConditions(output: RuleOutput | null, inputs: Record<string, unknown> | null): RuleExplanation {
  const node = Object.values(output?.trace ?? {}).find((n) => n?.trace)
  const trace = node?.trace ?? undefined
  const conditions: RuleCondition[] = []
  const seen = new Set<string>()
  // The matched row names each input column as `field[columnId]`.
  for (const [key, condition] of Object.entries(trace?.rule ?? {})) {
    const match = /^(.+)\[[^\]]+\]$/.exec(key)
    if (!match) continue
    const field = match[1]!
    seen.add(field)
    const value = trace?.reference_map && field in trace.reference_map ? trace.reference_map[field] : lookupPath(inputs, field)
    conditions.push({ field, value: text(value), raw: value, condition: String(condition ?? '').trim() })
  }
  for (const [field, value] of Object.entries(trace?.reference_map ?? {})) {
    if (!seen.has(field)) conditions.push({ field, value: text(value), raw: value, condition: '' })
  }
  return {
    tableName: node?.name ?? '',
    rowIndex: typeof trace?.index === 'number' ? trace.index : null,
    conditions,
  }
}
