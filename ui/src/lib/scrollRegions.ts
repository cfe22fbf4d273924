/**
 * A table wider (or taller) than its box scrolls inside it — on a phone, most tables. Someone on a keyboard
 * can scroll such a box only once it takes focus (WCAG 2.1.1; axe's scrollable-region-focusable), and Element
 * Plus's tables do not make it focusable. This keeps every scrolling table body a tab stop, named after its
 * table, and takes the stop away again when the box no longer scrolls.
 */
const WRAPPER = '.el-table__body-wrapper .el-scrollbar__wrap'
const MARK = 'data-scroll-region'

function scrolls(box: HTMLElement): boolean {
  return box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1
}

/** Makes the scrolling table bodies under `root` focusable (and the others not): run after each change. */
export function markScrollRegions(root: ParentNode): void {
  for (const box of root.querySelectorAll<HTMLElement>(WRAPPER)) {
    const marked = box.hasAttribute(MARK)
    if (scrolls(box)) {
      if (marked || box.hasAttribute('tabindex')) continue
      const table = box.closest<HTMLElement>('.el-table')?.getAttribute('aria-label')
      box.setAttribute(MARK, '')
      box.setAttribute('tabindex', '0')
      box.setAttribute('role', 'group')
      box.setAttribute('aria-label', `${table ?? '表格'}（可滚动查看）`)
    } else if (marked) {
      for (const name of [MARK, 'tabindex', 'role', 'aria-label']) box.removeAttribute(name)
    }
  }
}

/** Watches the document: after any change of the page or of the window's size, once per frame. */
export function keepScrollRegionsFocusable(document: Document): () => void {
  let pending = false
  const schedule = (): void => {
    if (pending) return
    pending = true
    requestAnimationFrame(() => {
      pending = false
      markScrollRegions(document)
    })
  }
  const observer = new MutationObserver(schedule)
  // Rows arrive as new nodes; a table's column widths change as attributes.
  observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'width'] })
  window.addEventListener('resize', schedule)
  schedule()
  return () => {
    observer.disconnect()
    window.removeEventListener('resize', schedule)
  }
}
