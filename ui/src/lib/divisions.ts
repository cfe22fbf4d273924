/**
 * The administrative divisions (行政区划, GB/T 2260) as the division picker and the pages that show a
 * picked division use them: a code is stored, its Chinese path (浙江省 / 杭州市 / 桐庐县) is shown.
 */

/** One division with those directly under it, as `GET /registries/division-tree` answers. */
export interface DivisionNodeLike {
  code: string
  name: string
  level: string
  children: DivisionNodeLike[]
}

/** A 6-digit GB/T 2260 code, as service-management checks a division field (no leading zero). */
export const DIVISION_CODE = /^[1-9]\d{5}$/

export const DIVISION_SEPARATOR = ' / '

/** The divisions from the top of the tree down to `code`, or null when the tree does not hold it. */
export function pathOf(tree: readonly DivisionNodeLike[], code: string): DivisionNodeLike[] | null {
  for (const node of tree) {
    if (node.code === code) return [node]
    // A code lies under a node only if it shares the node's significant digits (330100 → 3301).
    const prefix = node.code.replace(/(00)+$/, '')
    if (!code.startsWith(prefix)) continue
    const below = pathOf(node.children, code)
    if (below) return [node, ...below]
  }
  return null
}

/** The division's Chinese path (浙江省 / 杭州市 / 桐庐县); null when the tree does not hold the code. */
export function divisionPath(tree: readonly DivisionNodeLike[], code: string): string | null {
  const path = pathOf(tree, code)
  return path ? path.map((n) => n.name).join(DIVISION_SEPARATOR) : null
}

/** How a stored division reads on a page: its path, or — for a code the registry does not know — the
 *  code said to be one (never a bare number without a word). */
export function divisionText(tree: readonly DivisionNodeLike[], code: string): string {
  return divisionPath(tree, code) ?? `行政区划代码 ${code}`
}
