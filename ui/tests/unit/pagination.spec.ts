import { describe, expect, it } from 'vitest'
import { readPage, type ItemSummary } from '@/api'
import { searchItems } from '@/lib/catalogueSearch'
import { clampPage, pageCount, pageFromQuery, queryForPage, slicePage } from '@/lib/pagination'

describe('a page of a list as the API answers it', () => {
  it('reads X-Total-Count, X-Page and X-Page-Size', () => {
    const headers = new Headers({ 'X-Total-Count': '45', 'X-Page': '3', 'X-Page-Size': '20' })
    expect(readPage(['a', 'b'], headers)).toEqual({ items: ['a', 'b'], total: 45, page: 3, pageSize: 20 })
  })

  it('falls back to what was asked when a header is missing or malformed', () => {
    const headers = new Headers({ 'X-Total-Count': 'many' })
    expect(readPage(['a'], headers, { page: 2, pageSize: 10 })).toEqual({ items: ['a'], total: 11, page: 2, pageSize: 10 })
  })
})

describe('the page in the URL', () => {
  it('reads page and page_size, ignoring nonsense and capping at 100', () => {
    expect(pageFromQuery({})).toEqual({ page: 1, pageSize: 10 })
    expect(pageFromQuery({ page: '3', page_size: '50' })).toEqual({ page: 3, pageSize: 50 })
    expect(pageFromQuery({ page: '0', page_size: '-5' })).toEqual({ page: 1, pageSize: 10 })
    expect(pageFromQuery({ page: 'x', page_size: '1000' })).toEqual({ page: 1, pageSize: 100 })
    expect(pageFromQuery({ page: ['4', '5'] }, 20)).toEqual({ page: 4, pageSize: 20 })
  })

  it('writes only what differs from the defaults', () => {
    expect(queryForPage({ page: 1, pageSize: 10 })).toEqual({ page: undefined, page_size: undefined })
    expect(queryForPage({ page: 2, pageSize: 50 })).toEqual({ page: '2', page_size: '50' })
  })

  it('counts pages and brings a page past the end back to the last one', () => {
    expect(pageCount(0, 10)).toBe(1)
    expect(pageCount(45, 20)).toBe(3)
    expect(clampPage(9, 45, 20)).toBe(3)
    expect(clampPage(0, 45, 20)).toBe(1)
    expect(clampPage(2, 45, 20)).toBe(2)
  })

  it('slices a list held in the browser', () => {
    const list = Array.from({ length: 25 }, (_, i) => i)
    expect(slicePage(list, { page: 3, pageSize: 10 })).toEqual([20, 21, 22, 23, 24])
    expect(slicePage(list, { page: 4, pageSize: 10 })).toEqual([])
  })
})

describe('searching the catalogue in the browser', () => {
  const item = (code: string, name: string, department_code: string): ItemSummary => ({
    code,
    name,
    department_code,
    version: 1,
    item_type: 'licensing',
    instant_approval: false,
    committed_days: 1,
    audience: ['person'],
  })
  const items = [
    item('330122-AMR-XK-0001', '个体工商户设立登记', 'amr'),
    item('330122-AMR-XK-0002', '食品经营许可', 'amr'),
    item('330122-PSB-XK-0001', '居住证申领', 'psb'),
  ]
  const departments = [
    { code: 'amr', name: '示范县市场监督管理局', division_code: '330122' },
    { code: 'psb', name: '示范县公安局', division_code: '330122' },
  ]

  it('finds items by name, code or department, every word matching', () => {
    expect(searchItems(items, '个体工商户').map((i) => i.code)).toEqual(['330122-AMR-XK-0001'])
    expect(searchItems(items, 'psb-xk').map((i) => i.name)).toEqual(['居住证申领'])
    expect(searchItems(items, '公安局', departments).map((i) => i.name)).toEqual(['居住证申领'])
    expect(searchItems(items, '市场监督 许可', departments).map((i) => i.name)).toEqual(['食品经营许可'])
    expect(searchItems(items, '  ')).toHaveLength(3)
    expect(searchItems(items, '不存在')).toEqual([])
  })
})
