import { describe, expect, it } from 'vitest'
import { markScrollRegions } from '@/lib/scrollRegions'

function table(label: string | null, size: { scrollWidth: number; clientWidth: number }): { root: HTMLElement; box: HTMLElement } {
  const root = document.createElement('div')
  root.innerHTML = `<div class="el-table"${label ? ` aria-label="${label}"` : ''}><div class="el-table__body-wrapper"><div class="el-scrollbar"><div class="el-scrollbar__wrap"></div></div></div></div>`
  const box = root.querySelector<HTMLElement>('.el-scrollbar__wrap')!
  for (const [name, value] of Object.entries({ ...size, scrollHeight: 100, clientHeight: 100 })) {
    Object.defineProperty(box, name, { configurable: true, get: () => value })
  }
  return { root, box }
}

describe('scrolling tables and the keyboard', () => {
  it('makes a table body that scrolls a named tab stop, and takes the stop away when it fits again', () => {
    const { root, box } = table('数据查看记录', { scrollWidth: 900, clientWidth: 360 })
    markScrollRegions(root)
    expect(box.getAttribute('tabindex')).toBe('0')
    expect(box.getAttribute('role')).toBe('group')
    expect(box.getAttribute('aria-label')).toBe('数据查看记录（可滚动查看）')
    Object.defineProperty(box, 'clientWidth', { configurable: true, get: () => 900 })
    markScrollRegions(root)
    expect(box.hasAttribute('tabindex')).toBe(false)
    expect(box.hasAttribute('aria-label')).toBe(false)
  })

  it('leaves a table that fits alone, and names an unlabelled one as a table', () => {
    const fits = table('申请材料', { scrollWidth: 360, clientWidth: 360 })
    markScrollRegions(fits.root)
    expect(fits.box.hasAttribute('tabindex')).toBe(false)
    const unnamed = table(null, { scrollWidth: 800, clientWidth: 360 })
    markScrollRegions(unnamed.root)
    expect(unnamed.box.getAttribute('aria-label')).toBe('表格（可滚动查看）')
  })
})
