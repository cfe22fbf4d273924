/**
 * The one client of the platform's public API (`/api/v1` at the portal-gateway): its types and
 * one function per endpoint. Errors arrive as RFC 9457 problem details and are thrown as ApiError.
 *
 * The shapes mirror the services' pydantic schemas (each service's `schemas.py`); when an endpoint
 * is added there, add its types and its function here.
 */

export const API_BASE = '/api/v1'

// ---------------------------------------------------------------- errors

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

// ---------------------------------------------------------------- pagination

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

// ---------------------------------------------------------------- types

export type AccountType = 'person' | 'entity' | 'staff'
export type ApplicantType = 'person' | 'entity'

/** Roles the gateway puts in tokens (gov_common.auth.Roles). */
export type Role = 'admin' | 'clerk' | 'reviewer' | 'department_admin'

export interface Account {
  id: string
  account_type: AccountType
  username: string
  name: string
  phone: string | null
  roles: string[]
  department_code: string | null
  /** an applicant's identity assurance level (docs/identity.md: 1, 2 or 3); null for staff */
  assurance_level?: AssuranceLevel | null
  /** what the level rests on; null for staff */
  identity_source?: IdentitySource | null
}

/** Identity assurance levels (gov_common.auth.Assurance): L1 实名核验, L2 手机核验, L3 现场核验或统一身份认证. */
export type AssuranceLevel = 1 | 2 | 3

/**
 * What an account's identity rests on: `registry` (name and number matched the population
 * registry), `unlisted` (a number the registry does not know), `phone` (plus a code to the
 * registry's phone), `window` (the document checked at a window), `oidc` (the provincial identity platform).
 */
export type IdentitySource = 'registry' | 'unlisted' | 'phone' | 'window' | 'oidc'

export interface RegisterPerson {
  account_type: 'person'
  id_number: string
  name: string
  phone: string
  password: string
}

export interface RegisterEntity {
  account_type: 'entity'
  uscc: string
  name: string
  phone: string
  password: string
}

export type Registration = RegisterPerson | RegisterEntity

export interface TokenResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
}

export interface Department {
  code: string
  name: string
  division_code: string
}

export type FormFieldType = 'string' | 'text' | 'number' | 'integer' | 'date' | 'boolean'

export interface FormField {
  name: string
  label: string
  type: FormFieldType
  required: boolean
}

export interface ItemSummary {
  code: string
  version: number
  name: string
  item_type: string
  department_code: string
  instant_approval: boolean
  committed_days: number
  audience: string[]
  online_depth?: string
  channels?: string[]
  themes?: string[]
  keywords?: string[]
}

export interface ItemDetail extends ItemSummary {
  statutory_days: number
  legal_basis: string
  description: string
  form_fields: FormField[]
  license_type: string | null
  license_name: string | null
  rule_version: number | null
}

export type FormValue = string | number | boolean
export type FormPayload = Record<string, FormValue>

export interface CaseCreated {
  case_no: string
  status: string
}

export interface CaseSummary {
  case_no: string
  item_code: string
  status: string
  license_no: string | null
  created_at: string
}

export interface TimelineEntry {
  status: string
  at: string
  actor: string
  note: string | null
}

export interface CaseDetail {
  case_no: string
  item_code: string
  item_version: number
  item_name: string
  department_code: string
  channel: string
  status: string
  applicant_name: string
  applicant_id_number: string
  applicant_type: ApplicantType
  form: Record<string, unknown>
  timeline: TimelineEntry[]
  license_no: string | null
  opinion: string | null
  created_at: string
  concluded_at: string | null
  /** Part A: the applicant's rating (好差评), given at most once */
  rated?: boolean
  evaluation?: CaseEvaluation | null
  /** Part A: the open supplement request (补正) and every request, oldest first */
  supplement?: SupplementRequest | null
  supplements?: SupplementRequest[]
}

export interface WorkItemApplicant {
  sub?: string
  type?: string
  id_number?: string
  name?: string
  facts?: Record<string, unknown>
  [key: string]: unknown
}

/** A decision table's trace as the business system keeps it (zen-engine's traceData). */
export interface RuleTraceNode {
  name?: string
  trace?: {
    index?: number
    reference_map?: Record<string, unknown>
    rule?: Record<string, string>
    [key: string]: unknown
  } | null
}

export interface RuleOutput {
  eligible?: boolean
  reason?: string
  error?: string
  trace?: Record<string, RuleTraceNode>
  [key: string]: unknown
}

export interface WorkItem {
  case_no: string
  department_code: string
  item_code: string
  /** Part G: the item version the case was filed under */
  item_version: number
  item_name: string
  /** Part G: the committed limit (working days) the case was filed with; null when not reported */
  committed_days: number | null
  applicant: WorkItemApplicant
  form: Record<string, unknown>
  status: string
  automated: boolean
  rule_version: number | null
  rule_inputs: Record<string, unknown> | null
  rule_output: RuleOutput | null
  decided_by: string | null
  opinion: string | null
  received_at: string
  decided_at: string | null
}

export type DecisionKind = 'approve' | 'deny'

export interface DecisionResult {
  case_no: string
  status: string
}

export interface License {
  license_no: string
  license_type: string
  name: string
  holder_id_number: string
  holder_name: string
  holder_type: string
  issuer_department: string
  case_no: string
  fields: Record<string, unknown>
  status: string
  issued_at: string
  valid_until: string | null
  signature_alg: string
  key_id: string
  signature: string
}

export interface Verification {
  license_no: string
  valid: boolean
  status: string
  signature_valid: boolean
  license_type: string
  name: string
  holder_name: string | null
  issuer_department: string
  issued_at: string
  valid_until: string | null
  reason: string | null
}

// ---------------------------------------------------------------- transport

type TokenProvider = () => string | null
type UnauthorizedHandler = (error: ApiError) => void

let tokenProvider: TokenProvider = () => null
let unauthorizedHandler: UnauthorizedHandler = () => {}

/** The auth store tells the client where the token is and what to do when it is refused. */
export function configureAuth(provider: TokenProvider, onUnauthorized: UnauthorizedHandler): void {
  tokenProvider = provider
  unauthorizedHandler = onUnauthorized
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Record<string, string | number | undefined | null>
  json?: unknown
  form?: Record<string, string>
  auth?: boolean
  signal?: AbortSignal
  headers?: Record<string, string>
}

function url(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`
}

async function problemFrom(response: Response): Promise<Problem> {
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

async function send(path: string, options: RequestOptions = {}): Promise<Response> {
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
  let response: Response
  try {
    response = await fetch(url(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
    })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response), parseRetryAfter(response.headers.get('Retry-After')))
    // A refused token means the session is over; a failed login (no token sent) does not.
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return response
}

async function json<T>(path: string, options?: RequestOptions): Promise<T> {
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

/** A filing (POST that files a case or a bundle application) with an Idempotency-Key: when no answer came,
 *  it is sent once more with the same key, which files nothing twice (docs/operations.md, "During outages"). */
async function file<T>(path: string, body: unknown, key: string = newIdempotencyKey()): Promise<T> {
  const options: RequestOptions = { method: 'POST', json: body, headers: { 'Idempotency-Key': key } }
  try {
    return await json<T>(path, options)
  } catch (error) {
    if (!outcomeUnknown(error)) throw error
    return await json<T>(path, options)
  }
}

async function page<T>(path: string, params: PageParams & { signal?: AbortSignal }, query: RequestOptions['query'] = {}): Promise<Page<T>> {
  const response = await send(path, {
    query: { ...query, page: params.page, page_size: params.pageSize },
    signal: params.signal,
  })
  const items = (await response.json()) as T[]
  return readPage(items, response.headers, params)
}

const seg = encodeURIComponent

// ---------------------------------------------------------------- accounts (portal-gateway)

export function register(body: Registration): Promise<Account> {
  return json<Account>('/auth/register', { method: 'POST', json: body, auth: false })
}

/**
 * OAuth2 password flow; the user name is the ID number, the credit code or a staff account name.
 * A staff account with a second factor also gives its `totp` (401 `totp_required` without it,
 * 403 `totp_enrolment_required` when not yet enrolled).
 */
export function login(username: string, password: string, totp?: string): Promise<TokenResponse> {
  const form: Record<string, string> = { grant_type: 'password', username, password }
  if (totp) form.totp = totp
  return json<TokenResponse>('/auth/token', { method: 'POST', form, auth: false })
}

// ---------------------------------------------------------------- identity assurance (docs/identity.md)

export interface PhoneCodeSent {
  /** the registry's phone, masked (137****7002) */
  phone_masked: string
  /** seconds the code stays valid */
  expires_in: number
  /** seconds before another code may be asked for */
  resend_after: number
}

export interface AssuranceRaised extends TokenResponse {
  assurance_level: AssuranceLevel
}

/** A one-time code to the phone the population registry holds (202); 409 `no_registry_phone`, 429 with Retry-After. */
export function requestPhoneCode(): Promise<PhoneCodeSent> {
  return json<PhoneCodeSent>('/me/assurance/phone-code', { method: 'POST', json: {} })
}

/** The code: a new token at L2 (422 `code_invalid` on `code`, 422 `code_expired`). */
export function verifyPhoneCode(code: string): Promise<AssuranceRaised> {
  return json<AssuranceRaised>('/me/assurance/phone-verify', { method: 'POST', json: { code } })
}

export interface OidcStatus {
  enabled: boolean
  /** the identity platform's name, e.g. 浙江政务服务网统一身份认证 */
  name?: string | null
}

/** Whether sign-in through the provincial identity platform is offered (public). */
export function getOidcStatus(signal?: AbortSignal): Promise<OidcStatus> {
  return json<OidcStatus>('/auth/oidc', { auth: false, signal })
}

/** The address that starts the sign-in through the identity platform (the browser goes there). */
export function oidcLoginUrl(returnTo: string): string {
  return url('/auth/oidc/login', { return_to: returnTo })
}

export interface StaffCredentials {
  username: string
  password: string
}

export interface TotpEnrolment {
  /** base32 secret, to type into an authenticator app */
  secret: string
  /** otpauth://totp/... for a QR code */
  otpauth_uri: string
}

/** A staff account's second factor: a new secret (confirmed with a code before it counts). */
export function enrolTotp(body: StaffCredentials): Promise<TotpEnrolment> {
  return json<TotpEnrolment>('/auth/totp/enrol', { method: 'POST', json: body, auth: false })
}

export async function confirmTotp(body: StaffCredentials & { code: string }): Promise<void> {
  await send('/auth/totp/confirm', { method: 'POST', json: body, auth: false })
}

export function getMe(signal?: AbortSignal): Promise<Account> {
  return json<Account>('/me', { signal })
}

/** A walk-in applicant's account opened by a window clerk (窗口代为注册): no password is given. */
export type WalkInAccountRequest = Omit<RegisterPerson, 'password'> | Omit<RegisterEntity, 'password'>

export interface WalkInAccountCreated {
  account: Account
  /** shown once (the account slip); to be replaced at the first log-in */
  initial_password: string
  must_change_password: boolean
}

/** Clerks and administrators; 409 `account_exists` when the applicant already has an account. */
export function openWalkInAccount(body: WalkInAccountRequest): Promise<WalkInAccountCreated> {
  return json<WalkInAccountCreated>('/accounts/walk-in', { method: 'POST', json: body })
}

/** Whose password the clerk resets at the window: the identity number or the credit code. */
export type WalkInPasswordResetRequest = Pick<RegisterPerson, 'account_type' | 'id_number'> | Pick<RegisterEntity, 'account_type' | 'uscc'>

/**
 * 窗口重置密码: after checking the identity document in person, a clerk or administrator gives an
 * applicant who forgot the password a new initial password (answered as when opening; the old one
 * stops working). 404 `account_not_found` when there is no account with this number.
 */
export function resetWalkInPassword(body: WalkInPasswordResetRequest): Promise<WalkInAccountCreated> {
  return json<WalkInAccountCreated>('/accounts/walk-in/password-reset', { method: 'POST', json: body })
}

/** Whose identity the clerk checked in person (a natural person: an entity acts through its representative), with the name on the document. */
export type WalkInIdentityRequest = Pick<RegisterPerson, 'account_type' | 'id_number' | 'name'>

/**
 * 现场核验身份: the clerk checked the identity document; the account goes to L3 (answers the account).
 * 404 `account_not_found`; 409 `account_name_differs` when the account carries another name (reclaim it).
 */
export function verifyWalkInInPerson(body: WalkInIdentityRequest): Promise<Account> {
  return json<Account>('/accounts/walk-in/verify-in-person', { method: 'POST', json: body })
}

/** 找回被冒用账号: the owner, document checked, takes back an account registered under their number. */
export type WalkInReclaimRequest = WalkInIdentityRequest & { phone: string }

/** A new initial password for the slip, L3, and every session of the squatter ends (answered as when opening). */
export function reclaimWalkInAccount(body: WalkInReclaimRequest): Promise<WalkInAccountCreated> {
  return json<WalkInAccountCreated>('/accounts/walk-in/reclaim', { method: 'POST', json: body })
}

export interface PasswordChange {
  /** ID number, credit code or staff user name */
  username: string
  current_password: string
  new_password: string
}

/** Replaces a password knowing the current one (also an initial password at the first log-in); 204. */
export async function changePassword(body: PasswordChange): Promise<void> {
  await send('/auth/password', { method: 'POST', json: body, auth: false })
}

// ---------------------------------------------------------------- catalogue (service-management)

export interface ItemQuery extends PageParams {
  department?: string
  signal?: AbortSignal
}

export function listItems(params: ItemQuery = {}): Promise<Page<ItemSummary>> {
  return page<ItemSummary>('/items', params, { department: params.department })
}

/**
 * Every published item (page by page, at most `limit`), for searching in the browser while the
 * API has no search parameter.
 */
export async function listAllItems(params: { department?: string; signal?: AbortSignal; limit?: number } = {}): Promise<ItemSummary[]> {
  const limit = params.limit ?? 2000
  const all: ItemSummary[] = []
  for (let number = 1; ; number++) {
    const chunk = await listItems({ department: params.department, page: number, pageSize: MAX_PAGE_SIZE, signal: params.signal })
    all.push(...chunk.items)
    if (chunk.items.length === 0 || all.length >= chunk.total || all.length >= limit) return all.slice(0, limit)
  }
}

export function getItem(code: string, signal?: AbortSignal): Promise<ItemDetail> {
  return json<ItemDetail>(`/items/${seg(code)}`, { signal })
}

export function listDepartments(signal?: AbortSignal): Promise<Department[]> {
  return json<Department[]>('/departments', { signal })
}

// ---------------------------------------------------------------- cases (service-management)

export function fileCase(itemCode: string, form: FormPayload, key?: string): Promise<CaseCreated> {
  return file<CaseCreated>('/cases', { item_code: itemCode, form }, key)
}

export function listMyCases(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<CaseSummary>> {
  return page<CaseSummary>('/cases', params)
}

export function getCase(caseNo: string, signal?: AbortSignal): Promise<CaseDetail> {
  return json<CaseDetail>(`/cases/${seg(caseNo)}`, { signal })
}

// ---------------------------------------------------------------- review (the reviewer's business system)

export function listWorklist(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<WorkItem>> {
  return page<WorkItem>('/worklist', params)
}

export function getWorkItem(caseNo: string, signal?: AbortSignal): Promise<WorkItem> {
  return json<WorkItem>(`/work-items/${seg(caseNo)}`, { signal })
}

export function decide(caseNo: string, decision: DecisionKind, opinion: string): Promise<DecisionResult> {
  return json<DecisionResult>(`/cases/${seg(caseNo)}/decision`, { method: 'POST', json: { decision, opinion } })
}

// ---------------------------------------------------------------- licences (data-sharing)

export function listMyLicenses(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<License>> {
  return page<License>('/licenses', params)
}

export function getLicense(licenseNo: string, signal?: AbortSignal): Promise<License> {
  return json<License>(`/licenses/${seg(licenseNo)}`, { signal })
}

/** 注销: the holder gives the licence up (or the issuing department cancels it), with a reason. */
export function cancelLicense(licenseNo: string, reason: string): Promise<License> {
  return json<License>(`/licenses/${seg(licenseNo)}/cancel`, { method: 'POST', json: { reason } })
}

/** Public: anyone may verify a licence by its number. */
export function verifyLicense(licenseNo: string, signal?: AbortSignal): Promise<Verification> {
  return json<Verification>(`/licenses/${seg(licenseNo)}/verify`, { signal, auth: false })
}

// ---------------------------------------------------------------- one-window intake (service-management)

export interface ItemMaterial {
  code: string
  name: string
  /** electronic, original, copy */
  form: string
  required: boolean
  license_type: string | null
}

export interface WalkInApplicant {
  type: ApplicantType
  /** resident ID number or unified social credit code */
  id_number: string
  name: string
}

export interface MaterialRef {
  code: string
  file_id?: string
  license_no?: string
  /** Part A: a window clerk saw the original / received the copy (paper materials only) */
  paper_received?: boolean
}

export interface UploadedFile {
  file_id: string
  content_type: string
  size: number
}

export interface QueueEntry {
  case_no: string
  item_code: string
  department_code: string
  channel: string
  status: string
  applicant_name: string
  created_at: string
  due_at: string | null
}

export interface CaseMaterialOut {
  code: string
  name?: string
  file_id?: string | null
  license_no?: string | null
  [key: string]: unknown
}

export interface CaseClock {
  state: string
  limit_days: number
  started_at: string | null
  due_at: string | null
  paused_at: string | null
  remaining_working_days: number | null
}

/** A case as service-management shows it to staff: materials, what is missing, its clock. */
export interface CaseFull extends CaseDetail {
  materials: CaseMaterialOut[]
  /** codes of the required materials not yet provided */
  missing_materials: string[]
  clock: CaseClock | null
  reason: string | null
}

/** Items with their materials (the catalogue's detail; the shared ItemDetail type omits them). */
export interface ItemWithMaterials extends ItemDetail {
  materials: ItemMaterial[]
  channels?: string[]
}

export interface ItemSearch extends ItemQuery {
  /** words inside names, keywords and themes, or an item code or its beginning (e.g. 330122-AMR) */
  q?: string
  audience?: string
  type?: string
  theme?: string
}

export function searchItems(params: ItemSearch = {}): Promise<Page<ItemSummary>> {
  return page<ItemSummary>('/items', params, {
    q: params.q,
    department: params.department,
    audience: params.audience,
    type: params.type,
    theme: params.theme,
  })
}

export interface Bundle {
  code: string
  name: string
  description: string
  item_codes: string[]
  themes: string[]
}

/** 一件事一次办: item groups applied for together. */
export function listBundles(signal?: AbortSignal): Promise<Bundle[]> {
  return json<Bundle[]>('/bundles', { signal })
}

/** A material file (PDF, JPEG or PNG, judged by its bytes); refer to it by its file_id. */
export async function uploadFile(file: Blob, name = 'material'): Promise<UploadedFile> {
  const body = new FormData()
  body.append('file', file, name)
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = tokenProvider()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url('/files'), { method: 'POST', headers, body })
  } catch (cause) {
    throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response))
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return (await response.json()) as UploadedFile
}

export function fileAtWindow(body: { item_code: string; applicant: WalkInApplicant; form: FormPayload; materials: MaterialRef[] }, key?: string): Promise<CaseCreated> {
  return file<CaseCreated>('/intake/cases', body, key)
}

export function listIntakeQueue(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<QueueEntry>> {
  return page<QueueEntry>('/intake/queue', params)
}

export function getCaseFull(caseNo: string, signal?: AbortSignal): Promise<CaseFull> {
  return json<CaseFull>(`/cases/${seg(caseNo)}`, { signal })
}

export function acceptCase(caseNo: string, note?: string): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/accept`, { method: 'POST', json: note ? { note } : {} })
}

export function requestSupplement(caseNo: string, missing: string[], note: string): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/supplement`, { method: 'POST', json: { missing, note } })
}

export function rejectCase(caseNo: string, reason: string): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/reject`, { method: 'POST', json: { reason } })
}

// ---------------------------------------------------------------- supervision (service-management)

export type PerformanceBy = 'department' | 'item'

export interface Figures {
  key: string
  volume: number
  finished: number
  concluded: number
  on_time: number
  on_time_rate: number | null
  average_days: number | null
  approvals: number
  instant_approvals: number
  instant_share: number | null
  evaluations: number
  satisfaction: number | null
}

export type AlertKind = 'yellow' | 'red' | 'state_overdue'

export interface Alert {
  case_no: string
  department_code: string
  item_code: string
  kind: string
  state: string
  due_at: string | null
  raised_at: string
}

export function getPerformance(params: { from: string; to: string; by: PerformanceBy; signal?: AbortSignal }): Promise<Figures[]> {
  return json<Figures[]>('/supervision/performance', { query: { from: params.from, to: params.to, by: params.by }, signal: params.signal })
}

export function listAlerts(params: PageParams & { kind?: AlertKind | ''; signal?: AbortSignal } = {}): Promise<Page<Alert>> {
  return page<Alert>('/supervision/alerts', params, { kind: params.kind || undefined })
}

// ---------------------------------------------------------------- leaders' cockpit (data-sharing warehouse)

export type CockpitView = 'overview' | 'volumes' | 'funnel' | 'waits' | 'materials' | 'instant' | 'on-time' | 'satisfaction' | 'divisions'

/** The filters of every cockpit view (docs/warehouse.md, "Cockpit"); empty ones are left out. */
export interface CockpitFilters {
  date_from?: string
  date_to?: string
  department?: string
  item?: string
  channel?: string
  division?: string
  period?: 'day' | 'month' | 'quarter' | 'year'
  by?: string
  limit?: number
}

/** A row's fields by name; `suppressed` says some of its figures were held back. */
export type CockpitRow = Record<string, string | number | boolean | null>

export interface CockpitAnswer {
  view: CockpitView
  title: string
  columns: { field: string; label: string }[]
  /** A figure from fewer cases is suppressed outside the department that owns the cases. */
  min_cases: number
  /** The department whose figures the reader sees unsuppressed (none for the administrator). */
  unsuppressed_department: string | null
  rows: CockpitRow[]
}

function cockpitQuery(filters: CockpitFilters): Record<string, string | number | undefined> {
  const query: Record<string, string | number | undefined> = {}
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== null && value !== '') query[key] = value
  return query
}

/** One cockpit view (administrators and department administrators). */
export function getCockpit(view: CockpitView, filters: CockpitFilters = {}, signal?: AbortSignal): Promise<CockpitAnswer> {
  return json<CockpitAnswer>(`/cockpit/${seg(view)}`, { query: cockpitQuery(filters), signal })
}

/** The same view as a CSV or .xlsx file (with the token, so no plain link). */
export async function downloadCockpit(view: CockpitView, filters: CockpitFilters, format: 'csv' | 'xlsx'): Promise<Blob> {
  const response = await send(`/cockpit/${seg(view)}`, { query: { ...cockpitQuery(filters), format } })
  return response.blob()
}

/** The applicant (or a window clerk for them) supplies the materials asked for. */
export function supplementCase(caseNo: string, materials: MaterialRef[]): Promise<CaseCreated> {
  return json<CaseCreated>(`/cases/${seg(caseNo)}/supplement`, { method: 'POST', json: { materials } })
}

// ---------------------------------------------------------------- evaluation, data access, prefill

export type Rating = 1 | 2 | 3 | 4 | 5

export interface EvaluationResult {
  item_code: string
  department_code: string
  rating: number
  level: string
  tags: string[]
  comment: string
  created_at: string
  rectification_id: number | null
}

/** 好差评: the applicant rates an ended case once. */
export function evaluateCase(caseNo: string, body: { rating: Rating; tags?: string[]; comment?: string }): Promise<EvaluationResult> {
  return json<EvaluationResult>(`/cases/${seg(caseNo)}/evaluation`, { method: 'POST', json: { tags: [], comment: '', ...body } })
}

export interface DataAccess {
  at: string
  reader: { kind: string; name: string; department: string | null; client_id: string | null }
  resource: string
  fields: string[]
  purpose: string
  outcome: string
}

/** Who read my data (and who was refused). */
export function listMyDataAccess(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DataAccess>> {
  return page<DataAccess>('/audit/my-data-access', params)
}

export interface Prefill {
  form: Record<string, FormValue>
  materials: { code: string; satisfied_by: string | null }[]
}

/** The form filled from the applicant's own registry record, and the licences that stand for materials. */
export function getPrefill(code: string, signal?: AbortSignal): Promise<Prefill> {
  return json<Prefill>(`/items/${seg(code)}/prefill`, { signal })
}

export function fileCaseWithMaterials(itemCode: string, form: FormPayload, materials: MaterialRef[], key?: string): Promise<CaseCreated> {
  return file<CaseCreated>('/cases', { item_code: itemCode, form, materials }, key)
}

// ---------------------------------------------------------------- the five lists (service-management)

export type ListType = 'power' | 'responsibility' | 'fee' | 'intermediary' | 'negative'

export interface ListEntry {
  code: string
  name: string
  category: string
  basis: string
  content: string
  amount: string | null
}

export interface ListVersion {
  id: number
  list_type: string
  department_code: string
  version: number
  status: string
  effective_date: string | null
  note: string
  created_by: string
  created_at: string
  published_by: string | null
  published_at: string | null
  entries: ListEntry[]
}

/** The published version of a list, per department: the first page only (see getAllCurrentLists, Part A). */
export function getCurrentList(type: ListType, params: { department?: string; signal?: AbortSignal } = {}): Promise<ListVersion[]> {
  return json<ListVersion[]>(`/lists/${seg(type)}`, { query: { department: params.department }, signal: params.signal, auth: false })
}

// ---------------------------------------------------------------- workflow (service-management)

export interface ProcessDefinition {
  /** empty and version 0 for the platform's default process */
  item_code: string
  version: number
  process_id: string
  time_limits: Record<string, number>
  created_by: string
  created_at: string
  bpmn_xml: string
}

export function getProcess(code: string, signal?: AbortSignal): Promise<ProcessDefinition> {
  return json<ProcessDefinition>(`/items/${seg(code)}/process`, { signal })
}

/** Uploads a new version of an item's BPMN 2.0 process (administrators, the department's admins). */
export function uploadProcess(code: string, bpmnXml: string, timeLimits: Record<string, number>): Promise<ProcessDefinition> {
  return json<ProcessDefinition>(`/items/${seg(code)}/process`, { method: 'PUT', json: { bpmn_xml: bpmnXml, time_limits: timeLimits } })
}

// ---------------------------------------------------------------- bundles (一件事一次办)

export interface BundleDetail extends Bundle {
  /** every material of the member items, each asked for once */
  materials: ItemMaterial[]
}

export interface BundleApplication {
  bundle_no: string
  bundle_code: string
  status: string
  created_at: string
  concluded_at: string | null
  branches: { case_no: string; item_code: string; department_code: string; status: string }[]
}

export function getBundle(code: string, signal?: AbortSignal): Promise<BundleDetail> {
  return json<BundleDetail>(`/bundles/${seg(code)}`, { signal })
}

/** One application for every member item (one case each), sharing the materials. */
export function applyForBundle(code: string, forms: Record<string, FormPayload>, materials: MaterialRef[], key?: string): Promise<BundleApplication> {
  return file<BundleApplication>(`/bundles/${seg(code)}/applications`, { forms, materials }, key)
}

export function getBundleApplication(bundleNo: string, signal?: AbortSignal): Promise<BundleApplication> {
  return json<BundleApplication>(`/bundle-applications/${seg(bundleNo)}`, { signal })
}

/** One line of the applicant's list; the overall status is derived from the branches. */
export interface BundleApplicationSummary {
  bundle_no: string
  bundle_code: string
  bundle_name: string
  filed_at: string
  concluded_at: string | null
  /** some_denied: a branch was denied or rejected; concluded: every branch concluded */
  overall_status: 'in_progress' | 'concluded' | 'some_denied'
  branch_count: number
  /** branches that have ended (concluded, denied or rejected) */
  ended_count: number
}

/** The applicant's own bundle applications, newest first. */
export function listMyBundleApplications(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<BundleApplicationSummary>> {
  return page<BundleApplicationSummary>('/bundle-applications', params)
}

// ---------------------------------------------------------------- decision tables (service-management)

export interface DecisionTableVersion {
  item_code: string
  version: number
  /** a GoRules JDM decision graph */
  graph: Record<string, unknown>
  comment: string
  created_by: string
  created_at: string
}

export interface RuleTrial {
  version: number
  eligible: boolean
  reason: string
  output: Record<string, unknown>
  trace: Record<string, RuleTraceNode>
}

/** Every version of an item's decision table, oldest first (staff). */
export function listDecisionTables(code: string, signal?: AbortSignal): Promise<DecisionTableVersion[]> {
  return json<DecisionTableVersion[]>(`/items/${seg(code)}/rules`, { signal })
}

export function saveDecisionTable(code: string, graph: Record<string, unknown>, comment: string): Promise<DecisionTableVersion> {
  return json<DecisionTableVersion>(`/items/${seg(code)}/rules`, { method: 'POST', json: { graph, comment } })
}

/** Evaluates the current (or a given) version on facts, with its trace. */
export function tryDecisionTable(code: string, facts: Record<string, unknown>, version?: number): Promise<RuleTrial> {
  return json<RuleTrial>(`/items/${seg(code)}/rules/evaluate`, { method: 'POST', json: { facts, version } })
}

// ---------------------------------------------------------------- Part D: data catalogue resources, rectifications, working-day calendar

export type SharingType = 'unconditional' | 'conditional' | 'not_shared'
export type UpdateFrequency = 'realtime' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly' | 'irregular'

/** A resource of the data catalogue as data-sharing registers it (`ResourceIn`). */
export interface DataResourceIn {
  code: string
  name: string
  description: string
  owner_department: string
  fields: { name: string; label: string }[]
  sharing_type: SharingType
  update_frequency: UpdateFrequency
  personal: boolean
}

/** What `PATCH /catalogue/resources/{code}` may change (fields and owner are fixed once registered). */
export interface DataResourcePatch {
  name?: string
  description?: string
  sharing_type?: SharingType
  update_frequency?: UpdateFrequency
}

export interface DataResourceOut extends DataResource {
  created_at: string
  updated_at: string
}

export function listCatalogueResources(
  params: PageParams & { owner?: string; sharingType?: SharingType | ''; signal?: AbortSignal } = {},
): Promise<Page<DataResourceOut>> {
  return page<DataResourceOut>('/catalogue/resources', params, { owner: params.owner || undefined, sharing_type: params.sharingType || undefined })
}

export function getCatalogueResource(code: string, signal?: AbortSignal): Promise<DataResourceOut> {
  return json<DataResourceOut>(`/catalogue/resources/${seg(code)}`, { signal })
}

/** The admin, or a department admin of the owning department, registers a resource. */
export function registerCatalogueResource(body: DataResourceIn): Promise<DataResourceOut> {
  return json<DataResourceOut>('/catalogue/resources', { method: 'POST', json: body })
}

export function updateCatalogueResource(code: string, body: DataResourcePatch): Promise<DataResourceOut> {
  return json<DataResourceOut>(`/catalogue/resources/${seg(code)}`, { method: 'PATCH', json: body })
}

/** 整改: opened by an evaluation of 2 or below, closed by the department with what was done. */
export interface Rectification {
  id: number
  case_no: string
  department_code: string
  /** YYYY-MM-DD, the day included */
  deadline: string
  status: 'open' | 'done' | string
  response: string | null
  completed_by: string | null
  completed_at: string | null
  created_at: string
  rating: number
  comment: string
}

/** Rectification tasks by status and department (a department's staff: only their own). */
export function listRectifications(params: PageParams & { status?: 'open' | 'done' | ''; department?: string; signal?: AbortSignal } = {}): Promise<Page<Rectification>> {
  return page<Rectification>('/rectifications', params, { status: params.status || undefined, department: params.department || undefined })
}

export function completeRectification(id: number, response: string): Promise<Rectification> {
  return json<Rectification>(`/rectifications/${id}/complete`, { method: 'POST', json: { response } })
}

/** A day the working-day calendar lists: a weekday off (`holiday`) or a weekend day worked (`workday`). */
export interface CalendarDay {
  day: string
  kind: 'holiday' | 'workday' | string
  name: string
}

/** The calendar's listed days of a year (at most 366, not paginated by the API). */
export function listCalendarDays(year: number, signal?: AbortSignal): Promise<CalendarDay[]> {
  return json<CalendarDay[]>('/calendar', { query: { year }, signal })
}

export function getWorkingDay(day: string, signal?: AbortSignal): Promise<{ day: string; working_day: boolean }> {
  return json<{ day: string; working_day: boolean }>(`/calendar/${seg(day)}`, { signal })
}

/** Administrators: a weekday becomes a holiday, a weekend day an adjusted working day. */
export function setCalendarDay(day: string, body: { kind: 'holiday' | 'workday'; name: string }): Promise<CalendarDay> {
  return json<CalendarDay>(`/calendar/days/${seg(day)}`, { method: 'PUT', json: body })
}

export async function deleteCalendarDay(day: string): Promise<void> {
  await send(`/calendar/days/${seg(day)}`, { method: 'DELETE' })
}

// ---------------------------------------------------------------- data catalogue (data-sharing)

export interface DataResource {
  code: string
  name: string
  description: string
  owner_department: string
  fields: { name: string; label: string }[]
  sharing_type: string
  update_frequency: string
  personal: boolean
  builtin: boolean
}

export interface AccessRequest {
  id: number
  resource_code: string
  client_id: string
  client_name: string
  fields: string[]
  purpose: string
  valid_days: number
  status: string
  requested_by: string
  requested_at: string
  decided_by: string | null
  decided_at: string | null
  decision_reason: string | null
  grant_id: number | null
}

export interface Grant {
  id: number
  request_id: number
  resource_code: string
  client_id: string
  fields: string[]
  purpose: string
  valid_from: string
  valid_until: string
  granted_by: string
  revoked_at: string | null
  [key: string]: unknown
}

export function listResources(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DataResource>> {
  return page<DataResource>('/catalogue/resources', params)
}

export function listAccessRequests(params: PageParams & { status?: string; signal?: AbortSignal } = {}): Promise<Page<AccessRequest>> {
  return page<AccessRequest>('/catalogue/access-requests', params, { status: params.status || undefined })
}

export function decideAccessRequest(
  id: number,
  body: { decision: 'approve' | 'refuse'; reason?: string; fields?: string[]; valid_days?: number },
): Promise<AccessRequest> {
  return json<AccessRequest>(`/catalogue/access-requests/${id}/decision`, { method: 'POST', json: body })
}

export function listGrants(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<Grant>> {
  return page<Grant>('/catalogue/grants', params)
}

export function revokeGrant(id: number, reason: string): Promise<Grant> {
  return json<Grant>(`/catalogue/grants/${id}/revoke`, { method: 'POST', json: { reason } })
}

// ---------------------------------------------------------------- Part C: catalogue admin (items and the five lists)

/** An item's version with every standard field (`ItemDetail`), as the staff's version endpoints answer it. */
export type CatalogueItemVersion = import('@/lib/catalogueAdmin').ItemVersion
export type CatalogueItemInput = import('@/lib/catalogueAdmin').ItemInput

export interface ItemImportReport {
  dry_run: boolean
  applied: boolean
  rows: number
  valid_rows: number
  rejected: { row: number; code: string | null; field: string; message: string }[]
  codes: string[]
}

export interface ListImportReport {
  dry_run: boolean
  applied: boolean
  rows: number
  rejected: { row: number; field: string; message: string }[]
  version_id: number | null
}

export type ListDiffOut = import('@/lib/catalogueAdmin').ListDiff

/** A spreadsheet (CSV or .xlsx) sent as multipart `file` to an import endpoint. */
async function postTable<T>(path: string, file: Blob, name: string, query: RequestOptions['query']): Promise<T> {
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
async function allPages<T>(fetchPage: (page: number) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = []
  for (let number = 1; ; number++) {
    const chunk = await fetchPage(number)
    all.push(...chunk.items)
    if (chunk.items.length === 0 || all.length >= chunk.total) return all
  }
}

/** One page of an item's versions, oldest first (staff). */
export function getItemVersionsPage(code: string, params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<CatalogueItemVersion>> {
  return page<CatalogueItemVersion>(`/items/${seg(code)}/versions`, params)
}

/** Every version of an item, drafts and retired ones included, oldest first (staff), page by page. */
export function listItemVersions(code: string, signal?: AbortSignal): Promise<CatalogueItemVersion[]> {
  return allPages((number) => getItemVersionsPage(code, { page: number, pageSize: MAX_PAGE_SIZE, signal }))
}

/** An item in the staff listing: its latest version, whatever its status, and the version in force. */
export type CatalogueItemEntry = import('@/lib/catalogueAdmin').ItemEntry

export interface CatalogueItemQuery extends PageParams {
  /** `published`: has a version in force (a draft may be pending); `draft`: the latest version is a draft */
  status: 'all' | 'draft' | 'published' | 'retired'
  department?: string
  q?: string
  type?: string
  signal?: AbortSignal
}

/** Every item whatever its status, by its latest version (staff). */
export function listCatalogueItems(params: CatalogueItemQuery): Promise<Page<CatalogueItemEntry>> {
  return page<CatalogueItemEntry>('/items', params, {
    status: params.status,
    department: params.department || undefined,
    q: params.q || undefined,
    type: params.type || undefined,
  })
}

export function createItem(body: CatalogueItemInput): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>('/items', { method: 'POST', json: body })
}

/** Edits the draft; for a published (or retired) item, starts its next version as a draft. */
export function saveItemDraft(code: string, body: CatalogueItemInput): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>(`/items/${seg(code)}/draft`, { method: 'PUT', json: body })
}

export function publishItem(code: string): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>(`/items/${seg(code)}/publish`, { method: 'POST' })
}

/** Retires the version in force; the reason (≤ 500 characters) is shown to the public. */
export function retireItem(code: string, reason: string): Promise<CatalogueItemVersion> {
  return json<CatalogueItemVersion>(`/items/${seg(code)}/retire`, { method: 'POST', json: { reason } })
}

/** Imports items as drafts; with a bad row nothing is applied and every bad row is reported. */
export function importItems(file: Blob, name: string, dryRun: boolean): Promise<ItemImportReport> {
  return postTable<ItemImportReport>('/items/import', file, name, { dry_run: String(dryRun) })
}

/** The item import's .xlsx template (sheets 导入, 填写说明, 示例): the columns it reads, with drop-downs (staff who import). */
export function downloadItemImportTemplate(): Promise<Blob> {
  return downloadBlob('/items/import-template.xlsx')
}

/** One page of a list's versions (by department and version): the published ones and the caller's department's drafts. */
export function getListVersionsPage(type: ListType, params: PageParams & { department?: string; signal?: AbortSignal } = {}): Promise<Page<ListVersion>> {
  return page<ListVersion>(`/lists/${seg(type)}/versions`, params, { department: params.department })
}

/** Every published version of a list and the caller's department's drafts (all of them for an administrator), page by page. */
export function listListVersions(type: ListType, params: { department?: string; signal?: AbortSignal } = {}): Promise<ListVersion[]> {
  return allPages((number) => getListVersionsPage(type, { ...params, page: number, pageSize: MAX_PAGE_SIZE }))
}

export function getListVersion(id: number, signal?: AbortSignal): Promise<ListVersion> {
  return json<ListVersion>(`/lists/versions/${id}`, { signal })
}

/** A department compiles the next version of its list as a draft. */
export function createListDraft(type: ListType, body: { department_code: string; entries: ListEntry[]; note: string }): Promise<ListVersion> {
  return json<ListVersion>(`/lists/${seg(type)}/drafts`, { method: 'POST', json: body })
}

export function importListDraft(type: ListType, department: string, file: Blob, name: string, dryRun: boolean): Promise<ListImportReport> {
  return postTable<ListImportReport>(`/lists/${seg(type)}/import`, file, name, { department, dry_run: String(dryRun) })
}

/** A list import's .xlsx template (sheets 导入, 填写说明, 示例), the same for the five lists (staff who import). */
export function downloadListImportTemplate(): Promise<Blob> {
  return downloadBlob('/lists/import-template.xlsx')
}

/** Deletes a draft list version (its department, administrators); other versions answer 409. */
export async function deleteListDraft(id: number): Promise<void> {
  await send(`/lists/versions/${id}`, { method: 'DELETE' })
}

export function submitListVersion(id: number): Promise<ListVersion> {
  return json<ListVersion>(`/lists/versions/${id}/submit`, { method: 'POST' })
}

/** Administrators only: publishes a draft or submitted version with its effective date. */
export function publishListVersion(id: number, effectiveDate: string): Promise<ListVersion> {
  return json<ListVersion>(`/lists/versions/${id}/publish`, { method: 'POST', json: { effective_date: effectiveDate } })
}

export function diffListVersions(fromId: number, toId: number, signal?: AbortSignal): Promise<ListDiffOut> {
  return json<ListDiffOut>('/lists/diff', { query: { from: fromId, to: toId }, signal })
}

// ---------------------------------------------------------------- Part E: review chains, work lists, attachments, process tasks, decision-table versions

/** A step of a case's review chain (承办 → 审核 → 批准) and the role that performs it. */
export interface ReviewStep {
  no: number
  name: 'handle' | 'review' | 'approve' | string
  label: string
  role: string
}

export interface ReviewAction {
  step_no: number
  step_name: string
  role: string
  action: 'pass' | 'send_back' | 'approve' | 'deny' | string
  /** the person's display name */
  by: string
  /** Part G: the account's user name (null for actions recorded before it was kept) */
  by_username: string | null
  opinion: string
  sent_back_to: number | null
  at: string
}

/** The case's clock as service-management last reported it to the business system. */
export interface WorkClock {
  due_at: string | null
  paused: boolean
  remaining_working_days: number | null
  remaining_seconds: number | null
  overdue: boolean
  updated_at: string | null
}

/** A work-list entry: the work item, its current step, its clock and its last action. */
export interface WorkEntry extends WorkItem {
  step: (ReviewStep & { total: number }) | null
  clock: WorkClock
  last_action: ReviewAction | null
  blocking_findings: number
}

export interface WorkFinding {
  kind: 'form' | 'registry' | 'handler' | string
  field: string | null
  code: string
  message: string
  blocking: boolean
}

export interface WorkAttachment {
  file_id: string
  name: string
  content_type: string
  size: number
  uploaded_by: string
  uploaded_at: string
}

/** A material as dispatched with the case: a file at service-management or a licence number. */
export interface WorkMaterial {
  code: string
  name?: string | null
  file_id?: string | null
  license_no?: string | null
  /** Part G: a window clerk saw the paper original / received the paper copy, and who (when the event said) */
  paper_received?: boolean
  paper_received_by?: string | null
  [key: string]: unknown
}

/** One case as the department handles it: chain, actions, findings, clock, materials, attachments. */
export interface WorkDetail extends WorkItem {
  materials: WorkMaterial[]
  bundle: Record<string, unknown> | null
  handler: string
  findings: WorkFinding[]
  chain: ReviewStep[]
  chain_version: number
  current_step: number | null
  actions: ReviewAction[]
  clock: WorkClock
  license_content: Record<string, unknown> | null
  attachments: WorkAttachment[]
}

export interface StepLoad {
  step: 'handle' | 'review' | 'approve' | string
  label: string
  waiting: number
  overdue: number
}

export interface DoneEntry {
  case: WorkEntry
  my_last_action: ReviewAction
}

/** My pending work, soonest due first; `step` narrows to one step of the chains. */
export function listMyWork(params: PageParams & { step?: string; signal?: AbortSignal } = {}): Promise<Page<WorkEntry>> {
  return page<WorkEntry>('/worklist', params, { step: params.step || undefined })
}

/** The cases I acted on, newest first, with my last action. */
export function listMyDoneWork(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DoneEntry>> {
  return page<DoneEntry>('/worklist/done', params)
}

/** Per step of the department's chains: cases waiting there and how many of them are overdue. */
export function getWorklistSummary(signal?: AbortSignal): Promise<StepLoad[]> {
  return json<StepLoad[]>('/worklist/summary', { signal })
}

export function getWorkDetail(caseNo: string, signal?: AbortSignal): Promise<WorkDetail> {
  return json<WorkDetail>(`/work-items/${seg(caseNo)}`, { signal })
}

/** Acts on the case's current step (named, so a stale screen gets 409): pass, send back, approve, deny. */
export function actOnWorkItem(caseNo: string, body: { step: number; action: ReviewAction['action']; opinion: string }): Promise<WorkDetail> {
  return json<WorkDetail>(`/work-items/${seg(caseNo)}/actions`, { method: 'POST', json: body })
}

// ---------------------------------------------------------------- Part G: the item version a case was filed under

/** One version of an item, its materials included: what a case filed under it saw (retired ones too). */
export interface ItemVersionDetail extends ItemDetail {
  status: string
  materials: ItemMaterial[]
}

export function getItemVersion(code: string, version: number, signal?: AbortSignal): Promise<ItemVersionDetail> {
  return json<ItemVersionDetail>(`/items/${seg(code)}/versions/${version}`, { signal })
}

/** A file's bytes (the API serves them only with the token, never at a public address). */
export async function downloadBlob(path: string): Promise<Blob> {
  const response = await send(path, {})
  return response.blob()
}

export function downloadWorkAttachment(caseNo: string, fileId: string): Promise<Blob> {
  return downloadBlob(`/work-items/${seg(caseNo)}/attachments/${seg(fileId)}`)
}

export function downloadCaseMaterial(caseNo: string, fileId: string): Promise<Blob> {
  return downloadBlob(`/cases/${seg(caseNo)}/materials/${seg(fileId)}`)
}

/** Attaches a staff file (PDF, JPEG or PNG, judged by its bytes) to a pending work item. */
export async function uploadWorkAttachment(caseNo: string, file: Blob, name: string): Promise<WorkAttachment> {
  const body = new FormData()
  body.append('file', file, name)
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = tokenProvider()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url(`/work-items/${seg(caseNo)}/attachments`), { method: 'POST', headers, body })
  } catch (cause) {
    throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response))
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return (await response.json()) as WorkAttachment
}

/** A BPMN state a case entered (service-management); `left_at` null while it waits there. */
export interface CaseState {
  state: string
  name: string
  entered_at: string
  due_at: string | null
  left_at: string | null
  escalated_at: string | null
}

export interface CaseProgressEntry {
  kind: string
  step: string
  by: string
  opinion: string | null
  at: string
}

/** The case at service-management with its process states and department progress (staff). */
export interface CaseProcess extends CaseFull {
  states: CaseState[]
  progress: CaseProgressEntry[]
}

export function getCaseProcess(caseNo: string, signal?: AbortSignal): Promise<CaseProcess> {
  return json<CaseProcess>(`/cases/${seg(caseNo)}`, { signal })
}

/** Completes a department step of the case's BPMN process (a userTask other than intake and department_review). */
export function completeCaseTask(caseNo: string, taskId: string, body: { data: Record<string, unknown>; opinion?: string }): Promise<CaseCreated> {
  return json<CaseCreated>(`/cases/${seg(caseNo)}/tasks/${seg(taskId)}`, { method: 'POST', json: body })
}

/** An item's decision-table versions, a page at a time. */
export function listDecisionTableVersions(code: string, params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<DecisionTableVersion>> {
  return page<DecisionTableVersion>(`/items/${seg(code)}/rules`, params)
}

export function getDecisionTableVersion(code: string, version: number, signal?: AbortSignal): Promise<DecisionTableVersion> {
  return json<DecisionTableVersion>(`/items/${seg(code)}/rules/${version}`, { signal })
}

// ---------------------------------------------------------------- Part B: notifications (the applicant's inbox, portal-gateway)

export type NotificationKind =
  | 'accepted'
  | 'supplement_requested'
  | 'rejected'
  | 'approved'
  | 'denied'
  | 'concluded'
  | 'license_issued'
  | 'license_revoked'
  | 'license_cancelled'
  | 'license_expired'
  | 'license_expiring'
  | 'password_reset'
  | 'account_reclaimed'
  | 'agent_granted'

/** One notification of the logged-in applicant (消息通知); not the browser's `Notification`. */
export interface InboxNotification {
  id: number
  kind: NotificationKind | string
  title: string
  body: string
  case_no: string | null
  license_no: string | null
  /** An item to apply for (the renewal item of an expiring licence). */
  item_code?: string | null
  occurred_at: string
  created_at: string
  read_at: string | null
  read: boolean
}

/** My notifications, newest first; `unread` keeps only the unread ones. */
export function listMyNotifications(params: PageParams & { unread?: boolean; signal?: AbortSignal } = {}): Promise<Page<InboxNotification>> {
  return page<InboxNotification>('/me/notifications', params, { unread: params.unread ? 'true' : undefined })
}

export async function getUnreadNotificationCount(signal?: AbortSignal): Promise<number> {
  return (await json<{ unread: number }>('/me/notifications/unread-count', { signal })).unread
}

export function markNotificationRead(id: number): Promise<InboxNotification> {
  return json<InboxNotification>(`/me/notifications/${seg(String(id))}/read`, { method: 'POST' })
}

export function markAllNotificationsRead(): Promise<{ marked: number; unread: number }> {
  return json<{ marked: number; unread: number }>('/me/notifications/read-all', { method: 'POST' })
}

// ---------------------------------------------------------------- Part A: API gaps (themes, case extras, paginated lists, intake look-up)

/** A life-event theme (主题); its name is the value of the catalogue's `theme` filter. */
export interface Theme {
  name: string
  /** published items carrying the theme */
  item_count: number
  /** published bundles (一件事) carrying the theme */
  bundle_count: number
}

/** The catalogue's themes, most items first (public). */
export function listThemes(signal?: AbortSignal): Promise<Theme[]> {
  return json<Theme[]>('/themes', { signal, auth: false })
}

/** The applicant's rating of a case, as the case detail shows it. */
export interface CaseEvaluation {
  rating: number
  level: string
  tags: string[]
  comment: string
  at: string
}

/** A supplement request (补正): open while `supplied_at` is null. */
export interface SupplementRequest {
  materials: { code: string; name: string }[]
  reason: string
  requested_by: string
  requested_at: string
  supplied_by: string | null
  supplied_at: string | null
}

/** One page of the lists in force: one published version per department, by department code. */
export function getCurrentListPage(type: ListType, params: PageParams & { department?: string; signal?: AbortSignal } = {}): Promise<Page<ListVersion>> {
  return page<ListVersion>(`/lists/${seg(type)}`, params, { department: params.department })
}

/** Every department's list in force, page by page (a county has tens of departments, not thousands). */
export async function getAllCurrentLists(type: ListType, params: { department?: string; signal?: AbortSignal } = {}): Promise<ListVersion[]> {
  const all: ListVersion[] = []
  for (let number = 1; ; number++) {
    const chunk = await getCurrentListPage(type, { ...params, page: number, pageSize: MAX_PAGE_SIZE })
    all.push(...chunk.items)
    if (chunk.items.length === 0 || all.length >= chunk.total) return all
  }
}

/** Accept (受理) a case, recording materials first (scans, licences, paper seen by the clerk). */
export function acceptCaseWithMaterials(caseNo: string, note: string | undefined, materials: MaterialRef[]): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/accept`, { method: 'POST', json: { ...(note ? { note } : {}), materials } })
}

/** What the window clerk's standing grant shows of a person (一窗受理核验身份). */
export interface PersonLookup {
  name?: string | null
  gender?: string | null
  birth_date?: string | null
  residence_address?: string | null
}

/** What the window clerk's standing grant shows of a legal entity. */
export interface EntityLookup {
  name?: string | null
  entity_type?: string | null
  legal_representative?: string | null
  address?: string | null
  status?: string | null
}

async function lookUp<T>(path: string, signal?: AbortSignal): Promise<T | null> {
  try {
    return await json<T>(path, { signal })
  } catch (cause) {
    if (isApiError(cause) && cause.status === 404) return null
    throw cause
  }
}

/** A person in the population registry by resident ID number; null when not in it (the read is audited). */
export function lookUpPerson(idNumber: string, signal?: AbortSignal): Promise<PersonLookup | null> {
  return lookUp<PersonLookup>(`/registries/population/${seg(idNumber)}`, signal)
}

/** A legal entity in the legal-entity registry by unified social credit code; null when not in it. */
export function lookUpEntity(uscc: string, signal?: AbortSignal): Promise<EntityLookup | null> {
  return lookUp<EntityLookup>(`/registries/legal-entities/${seg(uscc)}`, signal)
}

// ---------------------------------------------------------------- Legal persons (portal-gateway, docs/identity.md): an entity's account opened by its legal representative, its agents (经办人), acting for it

/** An entity's case names the person who acted for it (its legal representative or an agent). */
export interface CaseDetail {
  acting_id_number?: string | null
  acting_name?: string | null
}

/** How the logged-in person stands to an entity. */
export type EntityRole = 'representative' | 'agent'

/** An entity the logged-in person may act for. */
export interface MyEntity {
  uscc: string
  name: string
  role: EntityRole
  representative_name: string | null
}

/** An agent (经办人) of an entity; `revoked_at` set once withdrawn. */
export interface EntityAgent {
  id: number
  person_id_number: string
  person_name: string
  granted_at: string
  revoked_at: string | null
}

export interface EntityAgentIn {
  id_number: string
  name: string
}

/**
 * The legal representative (a person at L2 or above) opens the entity's account: 201 the entity's
 * account; 403 `assurance_level_required` / `not_legal_representative`, 422 `entity_unknown`,
 * 409 `account_exists`.
 */
export function openEntity(uscc: string): Promise<Account> {
  return json<Account>('/entities', { method: 'POST', json: { uscc } })
}

/** The entities the logged-in person may act for (none for an entity's token). */
export function listMyEntities(signal?: AbortSignal): Promise<MyEntity[]> {
  return json<MyEntity[]>('/entities', { signal })
}

/** The entity's agents, current and withdrawn (its legal representative only). */
export function listEntityAgents(uscc: string, signal?: AbortSignal): Promise<EntityAgent[]> {
  return json<EntityAgent[]>(`/entities/${seg(uscc)}/agents`, { signal })
}

/** Authorises a person as the entity's agent: 409 `agent_exists`, 422 `agent_is_representative`. */
export function addEntityAgent(uscc: string, body: EntityAgentIn): Promise<EntityAgent> {
  return json<EntityAgent>(`/entities/${seg(uscc)}/agents`, { method: 'POST', json: body })
}

/** Withdraws an agent: their tokens for the entity stop working at once. */
export function revokeEntityAgent(uscc: string, id: number): Promise<EntityAgent> {
  return json<EntityAgent>(`/entities/${seg(uscc)}/agents/${seg(String(id))}`, { method: 'DELETE' })
}

/** With the person's token: a token for the entity naming the person in its `act` claim; 403 `not_an_agent`. */
export function actAs(uscc: string): Promise<TokenResponse> {
  return json<TokenResponse>('/auth/act-as', { method: 'POST', json: { uscc } })
}

// ---------------------------------------------------------------- dead letters (administrators)

/** A message a service's consumer gave up on, kept in that service's database (docs/messaging.md). */
export interface DeadLetter {
  id: number
  /** portal-gateway, service-management, data-sharing or business-systems.<department> */
  service: string
  group: string
  topic: string
  partition: number
  offset: number
  key: string
  event_id: string | null
  event_type: string | null
  reason: string
  status: 'pending' | 'replayed' | 'discarded'
  replay_attempts: number
  created_at: string
  updated_at: string
  resolved_by: string | null
  resolution: string | null
}

export interface DeadLetterList {
  items: DeadLetter[]
  /** The services that could not be asked just now. */
  unavailable: { service: string; detail: string }[]
}

export type ReplayOutcome = 'handled' | 'duplicate' | 'ignored' | 'failed' | 'unchanged'

export interface DeadLetterReplay {
  outcome: ReplayOutcome
  dead_letter: DeadLetter
}

/** Dead letters of every service (pending by default), with their reason. */
export function listDeadLetters(status: DeadLetter['status'] = 'pending', signal?: AbortSignal): Promise<DeadLetterList> {
  return json<DeadLetterList>('/dead-letters', { query: { status }, signal })
}

/** Runs a pending dead letter through its consumer's handler again; idempotent. */
export function replayDeadLetter(service: string, id: number): Promise<DeadLetterReplay> {
  return json<DeadLetterReplay>(`/dead-letters/${seg(service)}/${seg(String(id))}/replay`, { method: 'POST' })
}

/** Gives a pending dead letter up, with the reason (kept with the administrator's name). */
export function discardDeadLetter(service: string, id: number, reason: string): Promise<DeadLetter> {
  return json<DeadLetter>(`/dead-letters/${seg(service)}/${seg(String(id))}/discard`, { method: 'POST', json: { reason } })
}

// ---------------------------------------------------------------- personalised services (docs/personal-services.md)

export interface ItemRef {
  code: string
  name: string
}

/** 为您推荐: a life-event theme matched to the applicant's own facts, with the one-line reason. */
export interface Recommendation {
  theme: string
  reason: string
  items: ItemRef[]
  bundles: ItemRef[]
}

/** 您可能还需要: an item applicants who filed the same item went on to file (mined from the warehouse). */
export interface AlsoNeededItem {
  code: string
  name: string
  reason: string
  based_on: ItemRef
  applicants: number
  share: number
}

export interface AlsoNeeded {
  opted_out: boolean
  /** false: data-sharing's warehouse could not be asked now (暂时无法获取). */
  available: boolean
  items: AlsoNeededItem[]
}

export interface Recommendations {
  opted_out: boolean
  recommendations: Recommendation[]
  also_needed: AlsoNeeded
}

/** 免申即享: a benefit the applicant's registry facts already qualify them for. */
export interface ProactiveOffer {
  item_code: string
  item_name: string
  department_code: string
  reason: string
  form: Record<string, unknown>
  rule_version: number
}

export interface ProactiveOffers {
  opted_out: boolean
  offers: ProactiveOffer[]
}

/** Which kinds of personalised service the applicant receives (true) or turned off (false). */
export interface PersonalPreferences {
  recommendation: boolean
  also_needed: boolean
  expiry_reminder: boolean
  proactive: boolean
}

export function getRecommendations(signal?: AbortSignal): Promise<Recommendations> {
  return json<Recommendations>('/me/recommendations', { signal })
}

export function getProactiveOffers(signal?: AbortSignal): Promise<ProactiveOffers> {
  return json<ProactiveOffers>('/me/proactive-offers', { signal })
}

/** 确认申领: files the offered benefit's case with the registry facts as its form. */
export function confirmProactiveOffer(itemCode: string): Promise<{ case_no: string; status: string }> {
  return json<{ case_no: string; status: string }>(`/me/proactive-offers/${seg(itemCode)}/confirm`, { method: 'POST' })
}

export function getPersonalPreferences(signal?: AbortSignal): Promise<PersonalPreferences> {
  return json<PersonalPreferences>('/me/personal-preferences', { signal })
}

export function setPersonalPreferences(changes: Partial<PersonalPreferences>): Promise<PersonalPreferences> {
  return json<PersonalPreferences>('/me/personal-preferences', { method: 'PATCH', json: changes })
}
