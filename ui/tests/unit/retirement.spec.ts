import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api'
import { retirementOf } from '@/lib/retirement'

const gone = (extra: Record<string, unknown>): ApiError =>
  new ApiError({ type: 'about:blank', title: 'Gone', status: 410, detail: 'retired', code: 'item_retired', ...extra })

describe('a retired item', () => {
  it('is read from the 410 answer with its reason and date', () => {
    const error = gone({
      item: { code: '330122-AMR-XK-9001', name: '旧事项', version: 2, department_code: 'amr' },
      retirement: { reason: '已并入“开办餐饮店一件事”', at: '2026-11-20T02:00:00Z' },
    })
    expect(retirementOf(error)).toEqual({ code: '330122-AMR-XK-9001', name: '旧事项', reason: '已并入“开办餐饮店一件事”', at: '2026-11-20T02:00:00Z' })
  })

  it('retired before reasons were kept: name only', () => {
    expect(retirementOf(gone({ item: { code: '330122-AMR-XK-9002', name: '更旧的事项' } }))).toEqual({
      code: '330122-AMR-XK-9002',
      name: '更旧的事项',
      reason: null,
      at: null,
    })
  })

  it('is not read from other errors', () => {
    expect(retirementOf(new ApiError({ type: 'about:blank', title: 'Not Found', status: 404 }))).toBeNull()
    expect(retirementOf(gone({}))).toBeNull()
    expect(retirementOf(new Error('network'))).toBeNull()
  })
})
