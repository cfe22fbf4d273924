/**
 * Searching the catalogue by words. The items API filters by department only, so while it has
 * no search parameter the catalogue is searched here, over every published item.
 */
import type { Department, ItemSummary } from '@/api'

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
}

/** Items whose name, code or department name contain every word of the query. */
export function searchItems(items: readonly ItemSummary[], query: string, departments: readonly Department[] = []): ItemSummary[] {
  const words = query.split(/\s+/).map(normalise).filter(Boolean)
  if (!words.length) return [...items]
  const departmentName = new Map(departments.map((d) => [d.code, d.name]))
  return items.filter((item) => {
    const haystack = normalise(`${item.name} ${item.code} ${departmentName.get(item.department_code) ?? ''}`)
    return words.every((word) => haystack.includes(word))
  })
}
