/**
 * Searching the catalogue: the items API searches names, keywords and themes (`q`) and filters by
 * department, audience, theme and type. It does not match item codes, so a code is looked up
 * directly (`GET /items/{code}`).
 */
export const ITEM_CODE = /^\d{6}-[A-Z0-9]+(-[A-Z0-9]+)+$/i

export function isItemCode(text: string): boolean {
  return ITEM_CODE.test(text.trim())
}

export interface CatalogueFilters {
  q: string
  department: string
  audience: string
  type: string
  theme: string
}

const KEYS: (keyof CatalogueFilters)[] = ['q', 'department', 'audience', 'type', 'theme']

/** The filters from the URL's query (unknown values of audience dropped). */
export function filtersFromQuery(query: Record<string, unknown>): CatalogueFilters {
  const read = (key: string): string => (typeof query[key] === 'string' ? (query[key] as string).trim() : '')
  const audience = read('audience')
  return { q: read('q'), department: read('department'), audience: audience === 'person' || audience === 'entity' ? audience : '', type: read('type'), theme: read('theme') }
}

/** The URL query for the filters (empty ones left out; a new search starts at page 1). */
export function queryFromFilters(filters: Partial<CatalogueFilters>): Record<string, string | undefined> {
  return Object.fromEntries(KEYS.map((key) => [key, filters[key]?.trim() || undefined]))
}

/** Every theme of the given items and bundles, once, in first-seen order. */
export function collectThemes(...groups: readonly { themes?: readonly string[] }[][]): string[] {
  const seen = new Set<string>()
  for (const group of groups) for (const entry of group) for (const theme of entry.themes ?? []) if (theme.trim()) seen.add(theme.trim())
  return [...seen]
}
