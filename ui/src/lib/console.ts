/**
 * The staff console's sidebar and breadcrumbs, both drawn from the routes' meta: a page's `nav`
 * places it in the sidebar (its `menu` is the sidebar's sub-menu), its `parent` names the page it
 * is reached from (a case's review page from the work list), so the trail of every staff page is
 * 工作台 / sub-menu / parent / page without a list kept beside the router.
 */
import type { RouteMeta, RouteRecordRaw } from 'vue-router'
import { visible, type Viewer } from '@/lib/access'
import { groupNavigation, type NavEntry, type NavItem } from '@/lib/navigation'

export interface Crumb {
  label: string
  /** Where the crumb leads (none for the page itself and for a sub-menu's name). */
  path?: string
}

export const CONSOLE_ROOT: Crumb = { label: '工作台' }

function byName(routes: readonly RouteRecordRaw[]): Map<string, RouteRecordRaw> {
  return new Map(routes.filter((r) => r.name).map((r) => [String(r.name), r]))
}

function pathOf(route: RouteRecordRaw): string {
  return `/${route.path}`
}

/** The sidebar: the staff pages the viewer may open, in order, sub-menus at their first page's place. */
export function consoleMenu(routes: readonly RouteRecordRaw[], viewer: Viewer): NavItem[] {
  const entries: NavEntry[] = routes
    .filter((r) => r.meta?.nav?.group === 'staff' && visible(r.meta, viewer))
    .sort((a, b) => a.meta!.nav!.order - b.meta!.nav!.order)
    .map((r) => ({ name: String(r.name), label: r.meta!.nav!.label, path: pathOf(r), group: 'staff', menu: r.meta!.nav!.menu }))
  return groupNavigation(entries)
}

/**
 * The trail to a page: the console's root (linked to the viewer's start page), the sub-menu the
 * page or its nearest listed ancestor sits in, the ancestors (linked; a parameter they need is
 * taken from the current page's parameters) and the page's own title.
 */
export function breadcrumbs(
  routes: readonly RouteRecordRaw[],
  current: { name?: string | symbol | null; meta: RouteMeta; params?: Record<string, string | string[]> },
  home?: string,
): Crumb[] {
  const index = byName(routes)
  const chain: RouteRecordRaw[] = []
  const seen = new Set<string>()
  let parent = current.meta.parent
  while (parent && !seen.has(parent)) {
    seen.add(parent)
    const route = index.get(parent)
    if (!route) break
    chain.unshift(route)
    parent = route.meta?.parent
  }
  const crumbs: Crumb[] = [home ? { ...CONSOLE_ROOT, path: home } : { ...CONSOLE_ROOT }]
  const menu = current.meta.nav?.menu ?? chain.find((r) => r.meta?.nav?.menu)?.meta?.nav?.menu
  if (menu) crumbs.push({ label: menu })
  for (const route of chain) {
    crumbs.push({ label: route.meta?.title ?? String(route.name), path: fill(pathOf(route), current.params ?? {}) })
  }
  crumbs.push({ label: current.meta.title ?? '' })
  // The start page itself: 工作台 / 待审批办件 rather than a link to where one already is.
  if (home && crumbs.length === 2 && crumbs[0]!.path === home && current.name && index.get(String(current.name)) && pathOf(index.get(String(current.name))!) === home) {
    delete crumbs[0]!.path
  }
  return crumbs
}

/** `/admin/items/:code/process` with `{ code: 'X' }` → `/admin/items/X/process`. */
function fill(path: string, params: Record<string, string | string[]>): string {
  return path.replace(/:([A-Za-z]+)(\([^)]*\))?[*?]?/g, (_m, key: string) => {
    const value = params[key]
    return encodeURIComponent(Array.isArray(value) ? value.join('/') : (value ?? ''))
  })
}
