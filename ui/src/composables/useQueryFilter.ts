/** A list filter kept in the URL: reading it validates the value, choosing one goes back to page 1. */
import { computed, type WritableComputedRef } from 'vue'
import { useRoute, useRouter } from 'vue-router'

/**
 * `key` of the route's query as a string ('' when absent, or not one of `allowed`); setting it
 * pushes the new query (an empty value drops the key) and drops `page`, which the new filter
 * would make point elsewhere. Pair it with `usePagedList(..., { watchQuery: [key] })`.
 */
export function useQueryFilter<T extends string = string>(key: string, allowed?: readonly T[]): WritableComputedRef<T | ''> {
  const route = useRoute()
  const router = useRouter()
  return computed({
    get: () => {
      const value = route.query[key]
      if (typeof value !== 'string') return ''
      return !allowed || (allowed as readonly string[]).includes(value) ? (value as T) : ''
    },
    set: (value) => {
      void router.push({ query: { ...route.query, [key]: value || undefined, page: undefined } })
    },
  })
}
