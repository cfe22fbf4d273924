// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { services, stale } from '../../scripts/api-types.mjs'
import { ItemIn, ListEntry, RetireIn } from '@/api/generated/service-management.limits'

describe('the generated wire types', () => {
  it('are current with the checked-in OpenAPI documents (npm run api:types)', async () => {
    expect(services()).toEqual(['business-systems', 'data-sharing', 'portal-gateway', 'service-management'])
    expect(await stale()).toEqual([])
  }, 60_000)

  it('carry the limits the API declares', () => {
    expect(ItemIn.name.maxLength).toBe(200)
    expect(ItemIn.statutory_days).toEqual({ minimum: 1, maximum: 365 })
    expect(RetireIn.reason.maxLength).toBe(500)
    expect(ListEntry.name.maxLength).toBeGreaterThan(0)
  })
})
