/**
 * A retired item's address still circulates (bookmarks, QR codes on old leaflets): the API
 * answers 410 `item_retired` with the item and, when it was recorded, why and when it was
 * retired. This reads that answer for the public item page.
 */
import { isApiError } from '@/api'

export interface Retirement {
  code: string
  name: string
  reason: string | null
  at: string | null
}

export function retirementOf(error: unknown): Retirement | null {
  if (!isApiError(error) || error.status !== 410) return null
  const item = error.problem.item as { code?: unknown; name?: unknown } | undefined
  const retirement = error.problem.retirement as { reason?: unknown; at?: unknown } | undefined
  if (!item || typeof item.code !== 'string') return null
  return {
    code: item.code,
    name: typeof item.name === 'string' ? item.name : item.code,
    reason: typeof retirement?.reason === 'string' ? retirement.reason : null,
    at: typeof retirement?.at === 'string' ? retirement.at : null,
  }
}
