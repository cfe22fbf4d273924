/** The working-day calendar and the items' committed limits the work list's time marks need, loaded once. */
import { shallowRef, type Ref } from 'vue'
import * as api from '@/api'
import { workingDayFrom, type WorkingDay } from '@/lib/worklist'
import { useReferenceStore } from '@/stores/reference'

const calendar = shallowRef<WorkingDay | null>(null)
let loading: Promise<void> | null = null

/** The platform's calendar (this year and the next: due dates lie ahead); null until loaded or when it cannot be. */
export function useWorkCalendar(): Ref<WorkingDay | null> {
  loading ??= (async () => {
    const year = new Date().getFullYear()
    try {
      const days = (await Promise.all([year - 1, year, year + 1].map((y) => api.listCalendarDays(y)))).flat()
      calendar.value = workingDayFrom(days)
    } catch {
      loading = null // the marks fall back to the days as last reported; try again next time
    }
  })()
  return calendar
}

/** The committed limit (working days) of each item, from the catalogue: only for cases dispatched before the business system kept the case's own. */
export function useItemLimits(): { limit: (code: string) => number | null; load: (codes: string[]) => void } {
  const reference = useReferenceStore()
  const limits = shallowRef<Record<string, number>>({})
  function load(codes: string[]): void {
    for (const code of new Set(codes)) {
      if (code in limits.value) continue
      reference
        .loadItem(code)
        .then((item) => (limits.value = { ...limits.value, [code]: item.committed_days }))
        .catch(() => {})
    }
  }
  return { limit: (code) => limits.value[code] ?? null, load }
}
