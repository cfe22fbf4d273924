/**
 * The main navigation: the entries a person may see, in order, with the entries that share a
 * `menu` gathered into one drop-down at the place of the first of them (the administrators' many
 * workbench pages would otherwise wrap the header onto two lines).
 */
export interface NavEntry {
  name: string
  label: string
  path: string
  group: string
  menu?: string
}

export type NavItem = { kind: 'link'; entry: NavEntry } | { kind: 'menu'; label: string; entries: NavEntry[] }

export function groupNavigation(entries: readonly NavEntry[]): NavItem[] {
  const items: NavItem[] = []
  const menus = new Map<string, NavEntry[]>()
  for (const entry of entries) {
    if (!entry.menu) {
      items.push({ kind: 'link', entry })
      continue
    }
    const members = menus.get(entry.menu)
    if (members) {
      members.push(entry)
    } else {
      const created = [entry]
      menus.set(entry.menu, created)
      items.push({ kind: 'menu', label: entry.menu, entries: created })
    }
  }
  // A menu of one page is just a link.
  return items.map((item) => (item.kind === 'menu' && item.entries.length === 1 ? { kind: 'link', entry: item.entries[0]! } : item))
}

/** Is the page at `path` (or below it) the one this entry leads to? */
export function isActivePath(entryPath: string, path: string): boolean {
  if (entryPath === '/') return path === '/'
  return path === entryPath || path.startsWith(`${entryPath}/`)
}
