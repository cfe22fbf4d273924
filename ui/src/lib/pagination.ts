/**
 * Pages of lists, kept in the URL (`?page=&page_size=`) so that back, forward and a shared link
 * show the same page. The API caps a page at 100 entries.
 */
import { MAX_PAGE_SIZE } from '@/api'

export const PAGE_SIZES = [10, 20, 50, 100] as const
export const DEFAULT_PAGE_SIZE = 10

export interface PageState {
  page: number
  pageSize: number
}

type QueryValue = string | null | (string | null)[] | undefined

function firstInteger(value: QueryValue): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === null || raw === undefined || !/^\d+$/.test(raw)) return undefined
  return Number(raw)
}

/** Reads page and page size from a route query, ignoring what is not a sensible number. */
export function pageFromQuery(query: Record<string, QueryValue>, defaultSize: number = DEFAULT_PAGE_SIZE): PageState {
  const page = firstInteger(query.page)
  const size = firstInteger(query.page_size)
  return {
    page: page && page >= 1 ? page : 1,
    pageSize: size && size >= 1 ? Math.min(size, MAX_PAGE_SIZE) : defaultSize,
  }
}

/** The query for a page, leaving out what equals the defaults so URLs stay short. */
export function queryForPage(state: PageState, defaultSize: number = DEFAULT_PAGE_SIZE): Record<string, string | undefined> {
  return {
    page: state.page > 1 ? String(state.page) : undefined,
    page_size: state.pageSize !== defaultSize ? String(state.pageSize) : undefined,
  }
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(Math.max(0, total) / Math.max(1, pageSize)))
}

/** A page past the end (the list shrank, or a hand-edited URL) becomes the last page. */
export function clampPage(page: number, total: number, pageSize: number): number {
  return Math.min(Math.max(1, page), pageCount(total, pageSize))
}

/** One page of a list held in the browser (e.g. search results filtered here). */
export function slicePage<T>(items: readonly T[], state: PageState): T[] {
  const start = (state.page - 1) * state.pageSize
  return items.slice(start, start + state.pageSize)
}
