import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, fileCase, outcomeUnknown } from '@/api'

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
})
