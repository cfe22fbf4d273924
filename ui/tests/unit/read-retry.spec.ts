import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, READ_RETRY, getRecommendations, setPersonalPreferences } from '@/api'

function busy(seconds: string | null): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' }
  if (seconds !== null) headers['Retry-After'] = seconds
  const body = { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: '系统繁忙，请稍后重试', code: 'busy' }
  return new Response(JSON.stringify(body), { status: 503, headers })
}

function ok(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

const RECOMMENDED = { items: [], themes: [] }

describe('a read refused for the moment (503 with a short Retry-After)', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('is sent again after the wait asked for, and the page gets the answer', async () => {
    vi.useFakeTimers()
    const fetch = vi.fn()
    fetch.mockResolvedValueOnce(busy('2'))
    fetch.mockResolvedValueOnce(busy('2'))
    fetch.mockResolvedValueOnce(ok(RECOMMENDED))
    vi.stubGlobal('fetch', fetch)

    const read = getRecommendations()
    await vi.advanceTimersByTimeAsync(1900)
    expect(fetch).toHaveBeenCalledTimes(1) // not before the wait asked for
    await vi.advanceTimersByTimeAsync(2 * 1500)
    await vi.advanceTimersByTimeAsync(2 * 1500)
    expect(await read).toEqual(RECOMMENDED)
    expect(fetch).toHaveBeenCalledTimes(3)
    for (const call of fetch.mock.calls) expect((call[1] as RequestInit).method).toBe('GET')
  })

  it(`gives up after ${READ_RETRY.times} waits, and never waits for a long or missing Retry-After`, async () => {
    vi.useFakeTimers()
    const always = vi.fn(async () => busy('1'))
    vi.stubGlobal('fetch', always)
    const read = getRecommendations()
    const outcome = expect(read).rejects.toSatisfy((error: unknown) => error instanceof ApiError && error.status === 503 && error.retryAfter === 1)
    await vi.advanceTimersByTimeAsync(10_000)
    await outcome
    expect(always).toHaveBeenCalledTimes(READ_RETRY.times + 1)

    for (const header of [String(READ_RETRY.maxSeconds + 1), null]) {
      const once = vi.fn(async () => busy(header))
      vi.stubGlobal('fetch', once)
      await expect(getRecommendations()).rejects.toBeInstanceOf(ApiError)
      expect(once).toHaveBeenCalledTimes(1)
    }
  })

  it('is not sent again once the page has moved on (aborted while waiting)', async () => {
    vi.useFakeTimers()
    const fetch = vi.fn(async () => busy('2'))
    vi.stubGlobal('fetch', fetch)
    const controller = new AbortController()
    const read = getRecommendations(controller.signal)
    const outcome = expect(read).rejects.toSatisfy((error: unknown) => (error as Error).name === 'AbortError')
    await vi.advanceTimersByTimeAsync(500)
    controller.abort()
    await outcome
    await vi.advanceTimersByTimeAsync(10_000)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('leaves a change alone: only a read is sent again by itself', async () => {
    const fetch = vi.fn(async () => busy('1'))
    vi.stubGlobal('fetch', fetch)
    await expect(setPersonalPreferences({ recommendation: false })).rejects.toSatisfy(
      (error: unknown) => error instanceof ApiError && error.status === 503,
    )
    expect(fetch).toHaveBeenCalledTimes(1)
  })
})
