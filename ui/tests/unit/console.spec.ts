import { describe, expect, it } from 'vitest'
import { breadcrumbs, consoleMenu } from '@/lib/console'
import { routes } from '@/router'

const pages = routes[0]!.children!
const staff = (...roles: string[]) => ({ isAuthenticated: true, isApplicant: false, isStaff: true, roles })

function route(name: string, params: Record<string, string> = {}) {
  const r = pages.find((p) => p.name === name)!
  return { name, meta: r.meta!, params }
}

describe('staff console', () => {
  it('gives each role its own sidebar, without public or applicant pages', () => {
    const labels = (roles: string[]) =>
      consoleMenu(pages, staff(...roles)).map((i) => (i.kind === 'link' ? i.entry.label : `${i.label}: ${i.entries.map((e) => e.label).join('、')}`))
    expect(labels(['clerk'])).toEqual(['窗口收件', '办件查询'])
    expect(labels(['reviewer'])).toEqual(['审批工作台', '办件查询'])
    const admin = labels(['department_admin'])
    expect(admin[0]).toBe('审批工作台')
    expect(admin[1]).toBe('常用意见') // the department's stock opinions: its admin only
    expect(admin).toContain('效能监察')
    expect(admin.some((l) => l.startsWith('事项与清单: ') && l.includes('事项管理'))).toBe(true)
    expect(admin.join()).not.toMatch(/办事指南|我的办件|窗口收件/)
  })

  it('builds the breadcrumbs of every staff page from the route meta', () => {
    expect(breadcrumbs(pages, route('worklist'), '/review')).toEqual([{ label: '工作台' }, { label: '待审批办件' }])
    expect(breadcrumbs(pages, route('stock-opinions'), '/supervision')).toEqual([{ label: '工作台', path: '/supervision' }, { label: '常用意见' }])
    expect(breadcrumbs(pages, route('work-item', { caseNo: '42' }), '/review')).toEqual([
      { label: '工作台', path: '/review' },
      { label: '待审批办件', path: '/review' },
      { label: '办件审查' },
    ])
    expect(breadcrumbs(pages, route('catalogue-item-edit', { code: 'X-1' }), '/supervision')).toEqual([
      { label: '工作台', path: '/supervision' },
      { label: '事项与清单' },
      { label: '事项管理', path: '/admin/catalogue' },
      { label: '事项版本', path: '/admin/catalogue/items/X-1' },
      { label: '编辑事项' },
    ])
    // Every staff page has a title and a trail ending in it.
    for (const page of pages.filter((p) => p.meta?.access === 'staff')) {
      const trail = breadcrumbs(pages, { name: String(page.name), meta: page.meta!, params: {} }, '/review')
      expect(trail.at(-1)!.label, String(page.name)).toBe(page.meta!.title)
      expect(trail.at(-1)!.label.length).toBeGreaterThan(0)
    }
  })
})
