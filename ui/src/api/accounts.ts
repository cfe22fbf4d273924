import type { GW, GWIn } from './schemas'
import { json, seg, send, url } from './http'

export type AccountType = 'person' | 'entity' | 'staff'

export type ApplicantType = 'person' | 'entity'

/** Roles the gateway puts in tokens (gov_common.auth.Roles). */
export type Role = 'admin' | 'clerk' | 'reviewer' | 'department_admin'

export type Account = GW['AccountOut']

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

export type TokenResponse = GW['TokenOut']

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

export type PhoneCodeSent = GW['PhoneCodeOut']

export type AssuranceRaised = GW['AssuranceRaisedOut']

/** A one-time code to the phone the population registry holds (202); 409 `no_registry_phone`, 429 with Retry-After. */
export function requestPhoneCode(): Promise<PhoneCodeSent> {
  return json<PhoneCodeSent>('/me/assurance/phone-code', { method: 'POST', json: {} })
}

/** The code: a new token at L2 (422 `code_invalid` on `code`, 422 `code_expired`). */
export function verifyPhoneCode(code: string): Promise<AssuranceRaised> {
  return json<AssuranceRaised>('/me/assurance/phone-verify', { method: 'POST', json: { code } })
}

export type OidcStatus = GW['OidcInfoOut']

/** Whether sign-in through the provincial identity platform is offered (public). */
export function getOidcStatus(signal?: AbortSignal): Promise<OidcStatus> {
  return json<OidcStatus>('/auth/oidc', { auth: false, signal })
}

/** The address that starts the sign-in through the identity platform (the browser goes there). */
export function oidcLoginUrl(returnTo: string): string {
  return url('/auth/oidc/login', { return_to: returnTo })
}

export type StaffCredentials = GWIn['StaffCredentials']

export type TotpEnrolment = GW['TotpEnrolmentOut']

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

export type WalkInAccountCreated = GW['WalkInAccountOut']

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

export type PasswordChange = GWIn['PasswordChangeIn']

/** Replaces a password knowing the current one (also an initial password at the first log-in); 204. */
export async function changePassword(body: PasswordChange): Promise<void> {
  await send('/auth/password', { method: 'POST', json: body, auth: false })
}

/** How the logged-in person stands to an entity. */
export type EntityRole = 'representative' | 'agent'

/** An entity the logged-in person may act for. */
export type MyEntity = GW['EntityOut']

/** An agent (经办人) of an entity; `revoked_at` set once withdrawn. */
export type EntityAgent = GW['AgentOut']

export type EntityAgentIn = GWIn['AgentIn']

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
