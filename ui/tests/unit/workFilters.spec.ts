import { describe, expect, it } from 'vitest'
import { filterQuery, QUEUE_SORTS, QUEUE_STATUSES, queueParams, readFilters, WORK_SORTS, workListParams } from '@/lib/workFilters'

describe('work list filters', () => {
  it('reads the URL back checked, so the API is never sent a value it refuses', () => {
    const state = readFilters({ q: ' 张三 ', item: 'X-1', from: '2026-12-01', to: '2026-11-01', sort: 'name', status: 'concluded' }, { sorts: WORK_SORTS, statuses: QUEUE_STATUSES })
    expect(state).toEqual({ q: '张三', item: 'X-1', from: '2026-12-01', to: '', status: '', sort: '' })
    expect(readFilters({ from: '12/01/2026', sort: '-received' }, { sorts: WORK_SORTS })).toMatchObject({ from: '', sort: '-received' })
  })

  it("turns the choice into each service's parameters", () => {
    const state = { q: '食品', item: 'X-1', from: '2026-12-01', to: '2026-12-05', status: 'submitted', sort: '-due' }
    expect(workListParams(state)).toEqual({ q: '食品', item_code: 'X-1', received_from: '2026-12-01', received_to: '2026-12-05', sort: '-due' })
    expect(queueParams({ ...state, sort: QUEUE_SORTS[1]!.value })).toEqual({ q: '食品', status: 'submitted', item_code: 'X-1', filed_from: '2026-12-01', filed_to: '2026-12-05', sort: '-filed' })
    expect(workListParams({ q: '', item: '', from: '', to: '', status: '', sort: '' })).toEqual({ q: undefined, item_code: undefined, received_from: undefined, received_to: undefined, sort: undefined })
  })

  it('goes back to page 1 and drops emptied filters on a new choice', () => {
    expect(filterQuery({ page: '3', view: 'done', q: 'a' }, { q: '', item: 'X' })).toEqual({ view: 'done', item: 'X' })
  })
})
