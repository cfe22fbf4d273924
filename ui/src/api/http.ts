export const API_BASE = '/api/v1'

export interface ProblemFieldError {
  field: string
  message: string
  /** Part A: a stable name of the error (e.g. `materials_missing`; pydantic's type for a malformed payload) */
  code?: string
}

/** RFC 9457 problem details, as gov_common.errors writes them. */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: ProblemFieldError[]
  [extension: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** Seconds to wait before trying again (429, 503): the `Retry-After` header, else the body's `retry_after`. */
  readonly retryAfter: number | null

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title)
    this.name = 'ApiError'
    this.status = problem.status
    this.problem = problem
    const fromBody = typeof problem.retry_after === 'number' ? problem.retry_after : null
    this.retryAfter = retryAfter ?? fromBody
  }
}

/** `Retry-After` as seconds (a number of seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const at = Date.parse(text)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000))
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

/** One page of a list: the API answers a JSON array and says where it sits in X-* headers. */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  pageSize: number
}

export interface PageParams {
  page?: number
  pageSize?: number
}

export const MAX_PAGE_SIZE = 100

/** Reads X-Total-Count, X-Page and X-Page-Size; falls back to what was asked when one is missing. */
export function readPage<T>(items: T[], headers: Headers, asked: PageParams = {}): Page<T> {
  const number = (name: string): number | undefined => {
    const raw = headers.get(name)
    if (raw === null || raw.trim() === '') return undefined
    const value = Number(raw)
    return Number.isInteger(value) && value >= 0 ? value : undefined
  }
  const page = number('X-Page') ?? asked.page ?? 1
  const pageSize = number('X-Page-Size') ?? asked.pageSize ?? (items.length || 20)
  const total = number('X-Total-Count') ?? (page - 1) * pageSize + items.length
  return { items, total, page: Math.max(1, page), pageSize: Math.max(1, pageSize) }
}

type TokenProvider = () => string | null

type UnauthorizedHandler = (error: ApiError) => void

export let tokenProvider: TokenProvider = () => null

export let unauthorizedHandler: UnauthorizedHandler = () => {}

/** The auth store tells the client where the token is and what to do when it is refused. */
export function configureAuth(provider: TokenProvider, onUnauthorized: UnauthorizedHandler): void {
  tokenProvider = provider
  unauthorizedHandler = onUnauthorized
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Record<string, string | number | undefined | null>
  json?: unknown
  form?: Record<string, string>
  auth?: boolean
  signal?: AbortSignal
  headers?: Record<string, string>
}

export function url(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`
}

export async function problemFrom(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as Partial<Problem>
    if (body && typeof body === 'object') {
      return {
        type: typeof body.type === 'string' ? body.type : 'about:blank',
        title: typeof body.title === 'string' ? body.title : response.statusText,
        ...body,
        status: typeof body.status === 'number' ? body.status : response.status,
      }
    }
  } catch {
    // not JSON: a proxy's error page, for instance
  }
  return { type: 'about:blank', title: response.statusText || 'Error', status: response.status, detail: text.slice(0, 200) }
}

/** A read (GET) refused for the moment, 503 with a short `Retry-After` (the platform at its capacity sheds load
 *  that way, or a service behind the gateway is briefly busy), is sent again by itself after the wait asked for
 *  and a random part of it more, at most `times` times: the page's panel fills a moment later instead of showing
 *  an error. A longer or missing Retry-After is the caller's to show (lib/problem.ts). */
export const READ_RETRY = { times: 2, maxSeconds: 5 }

/** Waits `seconds`; an abort of `signal` meanwhile ends the wait with the signal's AbortError. */
function pause(seconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException('Aborted', 'AbortError'))
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted)
      resolve()
    }, seconds * 1000)
    const aborted = (): void => {
      clearTimeout(timer)
      reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'))
    }
    signal?.addEventListener('abort', aborted, { once: true })
  })
}

export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(options.form).toString()
  }
  Object.assign(headers, options.headers)
  const token = options.auth === false ? null : tokenProvider()
  if (token) headers.Authorization = `Bearer ${token}`
  const method = options.method ?? 'GET'
  let response: Response
  for (let waited = 0; ; waited += 1) {
    try {
      response = await fetch(url(path, options.query), { method, headers, body, signal: options.signal })
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
      throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
    }
    const seconds = method === 'GET' && response.status === 503 ? parseRetryAfter(response.headers.get('Retry-After')) : null
    if (seconds === null || seconds > READ_RETRY.maxSeconds || waited >= READ_RETRY.times) break
    await pause(Math.max(1, seconds) * (1 + Math.random() / 2), options.signal)
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response), parseRetryAfter(response.headers.get('Retry-After')))
    // A refused token means the session is over; a failed login (no token sent) does not.
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return response
}

export async function json<T>(path: string, options?: RequestOptions): Promise<T> {
  const response = await send(path, options)
  return (await response.json()) as T
}

/** A new Idempotency-Key: one per filing attempt (one per submit click). */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID()
}

/** Whether a filing's answer never came (the network failed, or the gateway got none from the service):
 *  the case may or may not be filed, and a resend with the same Idempotency-Key is safe. */
export function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false
  return error.status === 0 || ((error.status === 502 || error.status === 504) && error.problem.code === 'outcome_unknown')
}

/** A filing refused for the moment and sent again by itself: 503 with a short `Retry-After` (the platform at
 *  its capacity sheds load that way, or a service behind the gateway is briefly unreachable). Nothing was
 *  filed, and the same Idempotency-Key would file nothing twice anyway. At most `times` times, after the
 *  wait asked for and a random part of it more (so that the applicants refused together do not all come
 *  back together); a longer wait is left to the applicant, who is told how long (lib/problem.ts). */
export const FILING_RETRY = { times: 2, maxSeconds: 10 }

export function refusedForNow(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 503 && error.retryAfter !== null && error.retryAfter <= FILING_RETRY.maxSeconds
}

type FilingWaitNotice = (seconds: number) => void

/** Told when a filing waits to be sent again (the app shows a message: the applicant keeps the page open). */
export let filingWaitNotice: FilingWaitNotice = () => {}

export function configureFilingWaitNotice(notice: FilingWaitNotice): void {
  filingWaitNotice = notice
}


/** A filing (POST that files a case or a bundle application) with an Idempotency-Key: when no answer came,
 *  it is sent once more with the same key, which files nothing twice (docs/operations.md, "During outages");
 *  when refused for the moment (`refusedForNow`), again after the wait asked for, up to FILING_RETRY.times. */
export async function file<T>(path: string, body: unknown, key: string = newIdempotencyKey()): Promise<T> {
  const options: RequestOptions = { method: 'POST', json: body, headers: { 'Idempotency-Key': key } }
  let resentUnknown = false
  let waited = 0
  for (;;) {
    try {
      return await json<T>(path, options)
    } catch (error) {
      if (outcomeUnknown(error) && !resentUnknown) {
        resentUnknown = true
      } else if (refusedForNow(error) && waited < FILING_RETRY.times) {
        waited += 1
        const seconds = Math.max(1, error.retryAfter ?? 1) * (1 + Math.random() / 2)
        filingWaitNotice(Math.ceil(seconds))
        await pause(seconds)
      } else {
        throw error
      }
    }
  }
}

export async function page<T>(path: string, params: PageParams & { signal?: AbortSignal }, query: RequestOptions['query'] = {}): Promise<Page<T>> {
  const response = await send(path, {
    query: { ...query, page: params.page, page_size: params.pageSize },
    signal: params.signal,
  })
  const items = (await response.json()) as T[]
  return readPage(items, response.headers, params)
}

export const seg = encodeURIComponent

/** A spreadsheet (CSV or .xlsx) sent as multipart `file` to an import endpoint. */
export async function postTable<T>(path: string, file: Blob, name: string, query: RequestOptions['query']): Promise<T> {
  const body = new FormData()
  body.append('file', file, name)
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = tokenProvider()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url(path, query), { method: 'POST', headers, body })
  } catch (cause) {
    throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response))
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return (await response.json()) as T
}

/** Reads every page of a paginated list (the API answers at most MAX_PAGE_SIZE a page). */
export async function allPages<T>(fetchPage: (page: number) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = []
  for (let number = 1; ; number++) {
    const chunk = await fetchPage(number)
    all.push(...chunk.items)
    if (chunk.items.length === 0 || all.length >= chunk.total) return all
  }
}

/** A file's bytes (the API serves them only with the token, never at a public address). */
export async function downloadBlob(path: string): Promise<Blob> {
  const response = await send(path, {})
  return response.blob()
}
