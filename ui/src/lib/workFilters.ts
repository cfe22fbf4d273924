/**
 * The staff work lists' search, filters and order as the URL keeps them (`q`, `item`, `from`,
 * `to`, `status`, `sort`): read back checked (a stale or edited URL never sends the API a value it
 * refuses) and turned into the owning service's query parameters.
 */
import type { LocationQuery } from 'vue-router'

export interface WorkFilterState {
  q: string
  item: string
  from: string
  to: string
  status: string
  sort: string
}

export const FILTER_KEYS = ['q', 'item', 'from', 'to', 'status', 'sort'] as const

export interface SortOption {
  value: string
  label: string
}

/** The reviewer's list (business-systems /worklist). */
export const WORK_SORTS: readonly SortOption[] = [
  { value: 'due', label: '剩余时限从少到多' },
  { value: '-due', label: '剩余时限从多到少' },
  { value: 'received', label: '收件时间从早到晚' },
  { value: '-received', label: '收件时间从晚到早' },
]

/** The window's queue (service-management /intake/queue). */
export const QUEUE_SORTS: readonly SortOption[] = [
  { value: 'filed', label: '收件时间从早到晚' },
  { value: '-filed', label: '收件时间从晚到早' },
  { value: 'due', label: '承诺办结从早到晚' },
  { value: '-due', label: '承诺办结从晚到早' },
]

export const QUEUE_STATUSES: readonly SortOption[] = [
  { value: 'submitted', label: '待受理' },
  { value: 'supplement_requested', label: '待补正' },
]

const DAY = /^\d{4}-\d{2}-\d{2}$/

function text(query: LocationQuery, key: string): string {
  const value = query[key]
  return typeof value === 'string' ? value : ''
}

export function readFilters(query: LocationQuery, options: { sorts: readonly SortOption[]; statuses?: readonly SortOption[] }): WorkFilterState {
  const from = DAY.test(text(query, 'from')) ? text(query, 'from') : ''
  let to = DAY.test(text(query, 'to')) ? text(query, 'to') : ''
  if (from && to && to < from) to = ''
  const sort = text(query, 'sort')
  const status = text(query, 'status')
  return {
    q: text(query, 'q').trim().slice(0, 50),
    item: text(query, 'item').slice(0, 64),
    from,
    to,
    status: options.statuses?.some((s) => s.value === status) ? status : '',
    sort: options.sorts.some((s) => s.value === sort) ? sort : '',
  }
}

/** The URL query of a new choice: empty values dropped, back to page 1. */
export function filterQuery(current: LocationQuery, next: Partial<WorkFilterState>): LocationQuery {
  const query: LocationQuery = { ...current, page: null }
  for (const [key, value] of Object.entries(next)) query[key] = value ? value : null
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== null && v !== undefined && v !== ''))
}

/** business-systems /worklist and /worklist/done. */
export function workListParams(state: WorkFilterState): Record<string, string | undefined> {
  return {
    q: state.q || undefined,
    item_code: state.item || undefined,
    received_from: state.from || undefined,
    received_to: state.to || undefined,
    sort: state.sort || undefined,
  }
}

/** service-management /intake/queue. */
export function queueParams(state: WorkFilterState): Record<string, string | undefined> {
  return {
    q: state.q || undefined,
    status: state.status || undefined,
    item_code: state.item || undefined,
    filed_from: state.from || undefined,
    filed_to: state.to || undefined,
    sort: state.sort || undefined,
  }
}

export function isFiltered(state: WorkFilterState): boolean {
  return Boolean(state.q || state.item || state.from || state.to || state.status)
}
