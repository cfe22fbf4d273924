// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { services, stale } from '../../scripts/api-types.mjs'
import { ItemIn, ListEntry, RetireIn } from '@/api/generated/public.limits'
import { checkListEntries, checkRetireReason, emptyListEntry, ITEM_CODE_PATTERN } from '@/lib/catalogueAdmin'

describe('the generated wire types', () => {
  it('are current with the checked-in public OpenAPI document (npm run api:types)', async () => {
    expect(services()).toEqual(['public'])
    expect(await stale()).toEqual([])
  }, 60_000)

  it('carry the limits the API declares', () => {
    expect(ItemIn.name.maxLength).toBe(200)
    expect(ItemIn.statutory_days).toEqual({ minimum: 1, maximum: 365 })
    expect(RetireIn.reason.maxLength).toBe(500)
    expect(ListEntry.name.maxLength).toBeGreaterThan(0)
  })

  it('are the limits the catalogue forms check', () => {
    expect(checkRetireReason('停'.repeat(RetireIn.reason.maxLength))).toBe('')
    expect(checkRetireReason('停'.repeat(RetireIn.reason.maxLength + 1))).toContain(String(RetireIn.reason.maxLength))
    const row = { ...emptyListEntry(), code: 'XK-01', basis: '依据', name: '名'.repeat(ListEntry.name.maxLength) }
    expect(checkListEntries([row]).errors).toEqual({})
    expect(checkListEntries([{ ...row, name: row.name + '名' }]).errors['entries.0.name']).toBe(`名称最多${ListEntry.name.maxLength}个字`)
    expect(ITEM_CODE_PATTERN.test('330122-AMR-XK-0099')).toBe(true)
  })
})
