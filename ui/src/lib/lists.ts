/** The five lists (五张清单): their names and the rows a page shows. */
import type { ListEntry, ListType, ListVersion } from '@/api'

export const LIST_TYPES: { type: ListType; name: string; content: string }[] = [
  { type: 'power', name: '权力清单', content: '权力内容' },
  { type: 'responsibility', name: '责任清单', content: '责任事项' },
  { type: 'fee', name: '收费清单', content: '收费标准' },
  { type: 'intermediary', name: '中介服务清单', content: '服务内容' },
  { type: 'negative', name: '负面清单', content: '限制内容' },
]

export function isListType(value: unknown): value is ListType {
  return typeof value === 'string' && LIST_TYPES.some((l) => l.type === value)
}

export interface ListRow extends ListEntry {
  department_code: string
  version: number
  effective_date: string | null
}

/** Every entry of the published versions, by department then entry code. */
export function listRows(versions: readonly ListVersion[]): ListRow[] {
  return [...versions]
    .sort((a, b) => a.department_code.localeCompare(b.department_code))
    .flatMap((v) => v.entries.map((e) => ({ ...e, department_code: v.department_code, version: v.version, effective_date: v.effective_date })))
}
