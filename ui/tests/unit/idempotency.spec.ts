import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, FILING_RETRY, configureFilingWaitNotice, fileCase, outcomeUnknown, refusedForNow } from '@/api'

function answer(status: number, body: unknown): Response {
  const type = status < 400 ? 'application/json' : 'application/problem+json'
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } })
}

const UNKNOWN = { type: 'about:blank', title: 'Bad Gateway', status: 502, code: 'outcome_unknown' }

function keysSent(fetch: ReturnType<typeof vi.fn>): string[] {
  return fetch.mock.calls.map((call) => (call[1] as RequestInit & { headers: Record<string, string> }).headers['Idempotency-Key']!)
}

describe('filing with an Idempotency-Key', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('sends a fresh key per filing and resends with the same key when no answer came', async () => {
    const fetch = vi.fn()
    fetch.mockResolvedValueOnce(answer(502, UNKNOWN))
    fetch.mockResolvedValueOnce(answer(201, { case_no: 'C1', status: 'accepted' }))
    fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    fetch.mockResolvedValueOnce(answer(201, { case_no: 'C2', status: 'accepted' }))
    vi.stubGlobal('fetch', fetch)

    expect((await fileCase('X-1', { a: 1 })).case_no).toBe('C1')
    expect((await fileCase('X-1', { a: 1 })).case_no).toBe('C2')
    const [first, resent, second, resentSecond] = keysSent(fetch)
    expect(first).toMatch(/^[\x21-\x7e]{1,100}$/)
    expect(resent).toBe(first)
    expect(resentSecond).toBe(second)
    expect(second).not.toBe(first) // a new click is a new filing
  })

  it('resends only once, and never after an answer that says what happened', async () => {
    const fetch = vi.fn(async () => answer(502, UNKNOWN))
    vi.stubGlobal('fetch', fetch)
    await expect(fileCase('X-1', {})).rejects.toSatisfy(outcomeUnknown)
    expect(fetch).toHaveBeenCalledTimes(2)

    const refused = vi.fn(async () => answer(422, { type: 'about:blank', title: 'Unprocessable', status: 422 }))
    vi.stubGlobal('fetch', refused)
    await expect(fileCase('X-1', {}, 'k-1')).rejects.toBeInstanceOf(ApiError)
    expect(refused).toHaveBeenCalledTimes(1)
    expect(keysSent(refused)).toEqual(['k-1'])
    expect(outcomeUnknown(new ApiError({ ...UNKNOWN, status: 502, code: 'bad_gateway' }))).toBe(false)
  })

  describe('refused for the moment (503 with a short Retry-After)', () => {
    afterEach(() => {
      vi.useRealTimers()
      configureFilingWaitNotice(() => {})
    })

    function busy(seconds: string | null): Response {
      const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' }
      if (seconds !== null) headers['Retry-After'] = seconds
      const body = { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: '系统繁忙，请 2 秒后重试', code: 'overloaded' }
      return new Response(JSON.stringify(body), { status: 503, headers })
    }

    it('is sent again with the same key after the wait asked for, and the applicant is told', async () => {
      vi.useFakeTimers()
      const notices: number[] = []
      configureFilingWaitNotice((seconds) => notices.push(seconds))
      const fetch = vi.fn()
      fetch.mockResolvedValueOnce(busy('2'))
      fetch.mockResolvedValueOnce(busy('2'))
      fetch.mockResolvedValueOnce(answer(201, { case_no: 'C3', status: 'accepted' }))
      vi.stubGlobal('fetch', fetch)

      const filed = fileCase('X-1', { a: 1 }, 'k-busy')
      await vi.advanceTimersByTimeAsync(1900)
      expect(fetch).toHaveBeenCalledTimes(1) // not before the wait asked for
      await vi.advanceTimersByTimeAsync(2 * 1500)
      await vi.advanceTimersByTimeAsync(2 * 1500)
      expect((await filed).case_no).toBe('C3')
      expect(keysSent(fetch)).toEqual(['k-busy', 'k-busy', 'k-busy'])
      expect(notices).toHaveLength(2)
      for (const seconds of notices) {
        expect(seconds).toBeGreaterThanOrEqual(2)
        expect(seconds).toBeLessThanOrEqual(3)
      }
    })

    it(`gives up after ${FILING_RETRY.times} waits, and never waits for a long or missing Retry-After`, async () => {
      vi.useFakeTimers()
      const always = vi.fn(async () => busy('1'))
      vi.stubGlobal('fetch', always)
      const filed = fileCase('X-1', {}, 'k-2')
      const outcome = expect(filed).rejects.toSatisfy((error: unknown) => error instanceof ApiError && error.status === 503)
      await vi.advanceTimersByTimeAsync(10_000)
      await outcome
      expect(always).toHaveBeenCalledTimes(FILING_RETRY.times + 1)

      for (const header of [String(FILING_RETRY.maxSeconds + 1), null]) {
        const once = vi.fn(async () => busy(header))
        vi.stubGlobal('fetch', once)
        await expect(fileCase('X-1', {})).rejects.toBeInstanceOf(ApiError)
        expect(once).toHaveBeenCalledTimes(1)
      }
      expect(refusedForNow(new ApiError({ type: 'about:blank', title: 'x', status: 429 }, 1))).toBe(false)
    })
  })
})
