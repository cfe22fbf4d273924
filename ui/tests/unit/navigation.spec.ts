import { describe, expect, it } from 'vitest'
import { groupNavigation, isActivePath, type NavEntry } from '@/lib/navigation'

const entry = (label: string, menu?: string): NavEntry => ({ name: label, label, path: `/${label}`, group: 'staff', menu })

describe('main navigation', () => {
  it('gathers the entries of a menu at the place of the first one, keeping their order', () => {
    const items = groupNavigation([
      entry('审批工作台'),
      entry('整改任务', '监督管理'),
      entry('事项管理', '事项与清单'),
      entry('清单管理', '事项与清单'),
      entry('工作日历', '监督管理'),
      entry('办件查询'),
    ])
    expect(items.map((i) => (i.kind === 'link' ? i.entry.label : `${i.label}: ${i.entries.map((e) => e.label).join('、')}`))).toEqual([
      '审批工作台',
      '监督管理: 整改任务、工作日历',
      '事项与清单: 事项管理、清单管理',
      '办件查询',
    ])
  })

  it('shows a menu of one page as a plain link', () => {
    expect(groupNavigation([entry('流程管理', '事项与清单'), entry('办件查询')])).toEqual([
      { kind: 'link', entry: entry('流程管理', '事项与清单') },
      { kind: 'link', entry: entry('办件查询') },
    ])
  })

  it('marks an entry active on its page and the pages below it, the home page only on itself', () => {
    expect(isActivePath('/admin/catalogue', '/admin/catalogue/items/330122-AMR-XK-0001')).toBe(true)
    expect(isActivePath('/admin/catalogue', '/admin/catalogues')).toBe(false)
    expect(isActivePath('/', '/items')).toBe(false)
    expect(isActivePath('/', '/')).toBe(true)
  })
})
