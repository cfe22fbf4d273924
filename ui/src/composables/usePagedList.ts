/** A list page backed by the API: the page lives in the URL, a new page aborts the old request. */
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { Page } from '@/api'
import { useAssuranceRedirect } from '@/composables/useAssuranceRedirect'
import type { AssurancePurpose } from '@/lib/assurance'
import { clampPage, DEFAULT_PAGE_SIZE, pageCount, pageFromQuery, queryForPage, type PageState } from '@/lib/pagination'
import { describeError } from '@/lib/problem'

export interface PagedList<T> {
  items: Ref<T[]>
  total: Ref<number>
  page: Ref<number>
  pageSize: Ref<number>
  loading: Ref<boolean>
  error: Ref<string | null>
  reload: () => Promise<void>
  changePage: (page: number) => void
  changePageSize: (size: number) => void
}

export function usePagedList<T>(
  fetchPage: (state: PageState, signal: AbortSignal) => Promise<Page<T>>,
  /** `assurance`: a list that needs a higher identity assurance level; a refusal leads to 实名认证. */
  options: { defaultSize?: number; watchQuery?: string[]; assurance?: AssurancePurpose } = {},
): PagedList<T> {
  const route = useRoute()
  const router = useRouter()
  const toIdentity = useAssuranceRedirect()
  const defaultSize = options.defaultSize ?? DEFAULT_PAGE_SIZE
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const pageSize = ref(defaultSize)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let controller: AbortController | null = null

  async function reload(): Promise<void> {
    const state = pageFromQuery(route.query, defaultSize)
    page.value = state.page
    pageSize.value = state.pageSize
    controller?.abort()
    const current = (controller = new AbortController())
    loading.value = true
    error.value = null
    try {
      const result = await fetchPage(state, current.signal)
      if (current.signal.aborted) return
      items.value = result.items
      total.value = result.total
      // A page past the end (the list shrank, or an edited URL): show the last page instead.
      if (result.items.length === 0 && result.total > 0 && state.page > pageCount(result.total, state.pageSize)) {
        changePage(clampPage(state.page, result.total, state.pageSize), true)
      }
    } catch (cause) {
      if (current.signal.aborted || (cause instanceof DOMException && cause.name === 'AbortError')) return
      if (options.assurance && toIdentity(cause, options.assurance)) return
      error.value = describeError(cause)
      items.value = []
    } finally {
      if (controller === current) loading.value = false
    }
  }

  function navigate(state: PageState, replace = false): void {
    const query = { ...route.query, ...queryForPage(state, defaultSize) }
    for (const key of Object.keys(query)) if (query[key] === undefined) delete query[key]
    void (replace ? router.replace({ query }) : router.push({ query }))
  }

  function changePage(value: number, replace = false): void {
    navigate({ page: value, pageSize: pageSize.value }, replace)
  }

  function changePageSize(size: number): void {
    navigate({ page: 1, pageSize: size })
  }

  // Only this route's query matters: leaving the page must not load it once more.
  const routeName = route.name
  const watched = ['page', 'page_size', ...(options.watchQuery ?? [])]
  watch(
    () => (route.name === routeName ? watched.map((key) => JSON.stringify(route.query[key] ?? null)).join('|') : null),
    (key) => {
      if (key !== null) void reload()
    },
    { immediate: true },
  )
  onBeforeUnmount(() => controller?.abort())

  return { items, total, page, pageSize, loading, error, reload, changePage, changePageSize }
}

/**
 * What `ListPagination` takes from a list, its page and the listeners that change it:
 * `<ListPagination label="…" v-bind="paginationOf(list)" />`.
 */
export function paginationOf<T>(list: PagedList<T>) {
  return {
    total: list.total.value,
    page: list.page.value,
    pageSize: list.pageSize.value,
    'onUpdate:page': list.changePage,
    'onUpdate:pageSize': list.changePageSize,
  }
}
