import { describe, expect, it } from 'vitest'
import { readPage } from '@/api'
import { collectThemes, filtersFromQuery, isItemCode, queryFromFilters } from '@/lib/catalogueSearch'
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

describe('searching the catalogue', () => {
  it('tells an item code from words', () => {
    expect(isItemCode('330122-AMR-XK-0001')).toBe(true)
    expect(isItemCode(' 330122-psb-xk-0001 ')).toBe(true)
    expect(isItemCode('个体工商户')).toBe(false)
    expect(isItemCode('330122')).toBe(false)
  })

  it('keeps the filters in the URL', () => {
    expect(filtersFromQuery({ q: ' 食品 ', audience: 'robot', type: 'licensing', theme: ['x'] })).toEqual({ q: '食品', department: '', audience: '', type: 'licensing', theme: '' })
    expect(queryFromFilters({ q: '食品', department: '', audience: 'entity' })).toEqual({ q: '食品', department: undefined, audience: 'entity', type: undefined, theme: undefined })
  })

  it('collects the themes once', () => {
    expect(collectThemes([{ themes: ['企业开办', '开办餐饮店'] }, { themes: ['开办餐饮店'] }], [{ themes: ['社会保障', ' '] }])).toEqual(['企业开办', '开办餐饮店', '社会保障'])
  })
})
