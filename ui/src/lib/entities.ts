/**
 * Legal persons (docs/identity.md, "Legal persons"), without Vue: an entity's account is opened by
 * its legal representative logged in as a person (at L2); the representative authorises agents
 * (经办人); either acts for the entity with a token that names the acting person in its RFC 8693
 * `act` claim. Here: the labels, the checks of the forms, the Chinese for each refusal, reading
 * the `act` claim, and the switch between the person's session and the entity's.
 */
import { isApiError, type EntityAgent, type EntityRole } from '@/api'
import { checkResidentId, checkUscc } from '@/lib/identity'
import { mapProblem } from '@/lib/problem'

// ---------------------------------------------------------------- labels

const ROLE: Record<EntityRole, string> = { representative: '法定代表人', agent: '经办人' }

export function entityRoleLabel(role: string): string {
  return ROLE[role as EntityRole] ?? role
}

export function agentStatusLabel(agent: Pick<EntityAgent, 'revoked_at'>): string {
  return agent.revoked_at ? '已撤销' : '有效'
}

/** The header while acting: 钱多多 代表 桐庐富春江茶业有限公司. */
export function actingLabel(personName: string, entityName: string): string {
  return `${personName} 代表 ${entityName}`
}

/** The case pages: 经办人：钱多多（330122********001X）. */
export function actingPersonText(name: string, maskedIdNumber: string): string {
  return maskedIdNumber ? `${name}（${maskedIdNumber}）` : name
}

export const AGENT_WITHDRAW_CONFIRM = (name: string, entity: string): string =>
  `确定撤销 ${name} 作为“${entity}”经办人的授权吗？撤销后其以该单位身份办事的登录状态立即失效。`

// ---------------------------------------------------------------- forms

/** The USCC of 开通单位账号, as GB 32100 checks it; the normalised code or a message. */
export function checkEntityCode(input: string): { ok: true; value: string } | { ok: false; message: string } {
  return checkUscc(input)
}

export interface AgentForm {
  idNumber: string
  name: string
}

export type AgentField = 'id_number' | 'name'

/** The agent's ID number (GB 11643) and name, checked as the gateway checks them. */
export function checkAgentForm(form: AgentForm): Partial<Record<AgentField, string>> {
  const errors: Partial<Record<AgentField, string>> = {}
  const id = checkResidentId(form.idNumber)
  if (!id.ok) errors.id_number = id.message
  const name = form.name.trim()
  if (!name) errors.name = '请输入经办人姓名'
  else if (name.length > 100) errors.name = '姓名最多100个字符'
  return errors
}

/** The body of POST /entities/{uscc}/agents. */
export function toAgentIn(form: AgentForm): { id_number: string; name: string } {
  return { id_number: form.idNumber.trim().toUpperCase(), name: form.name.trim() }
}

// ---------------------------------------------------------------- refusals

/** The Chinese for the refusals of the legal-person endpoints, by the API's code. */
export const ENTITY_PROBLEMS: Record<string, string> = {
  assurance_level_required: '开通单位账号、管理经办人需要个人实名认证达到 L2 级（手机验证码核验）。请先完成实名认证，再回到本页办理。',
  not_legal_representative: '法人库登记的该单位法定代表人不是您。单位账号只能由法定代表人本人开通；如您是单位工作人员，请联系法定代表人将您授权为经办人。',
  entity_unknown: '法人库中没有该统一社会信用代码的单位，无法在网上开通。请核对代码，或携带营业执照和法定代表人身份证件到政务服务窗口办理。',
  account_exists: '您已开通该单位的账号，可在“我的单位”中直接以该单位身份办事。',
  agent_exists: '该人员已经是本单位的经办人。',
  agent_is_representative: '法定代表人本人可以直接以单位身份办事，无需授权为经办人。',
  agent_not_found: '未找到该经办人，请刷新后重试。',
  not_an_agent: '您不是该单位的法定代表人或经办人（授权可能已被撤销），不能以该单位身份办事。',
  not_a_person: '请以个人身份（切换回个人）办理此项。',
  account_not_found: '该单位尚未开通账号。',
  token_revoked: '登录状态已失效，请重新登录。',
  entity_opened_by_representative: '单位账号由法定代表人以个人身份登录、实名认证后开通，不能直接注册。',
}

export interface EntityProblem {
  /** The form field the message belongs next to, when the API names one the form shows. */
  field?: string
  message: string
  /** The refusal asks the person to raise their identity assurance level (实名认证). */
  needsIdentity: boolean
}

function codeOf(error: unknown): string | undefined {
  if (!isApiError(error)) return undefined
  const top = error.problem.code
  if (typeof top === 'string') return top
  return error.problem.errors?.find((e) => e.code)?.code
}

/** A refusal of the legal-person endpoints in Chinese; codes we do not know fall back to mapProblem. */
export function entityProblem(error: unknown, fields: readonly string[] = []): EntityProblem {
  const code = codeOf(error)
  const known = code ? ENTITY_PROBLEMS[code] : undefined
  if (known) {
    const named = isApiError(error) ? error.problem.errors?.find((e) => e.code === code)?.field : undefined
    const field = named && fields.includes(named) ? named : undefined
    let message = known
    if (code === 'assurance_level_required' && isApiError(error) && typeof error.problem.required_level === 'number') {
      message = message.replace('L2', `L${error.problem.required_level}`)
    }
    return { field, message, needsIdentity: code === 'assurance_level_required' }
  }
  const mapped = mapProblem(error, { fields })
  const [field, message] = Object.entries(mapped.fields)[0] ?? []
  if (field && message) return { field, message, needsIdentity: false }
  return { message: mapped.general.join('；') || mapped.summary, needsIdentity: false }
}

// ---------------------------------------------------------------- the acting person (the `act` claim)

export interface Actor {
  sub: string
  idn: string
  name: string
}

function payload(token: string): Record<string, unknown> | null {
  const segments = token.split('.')
  if (segments.length !== 3) return null
  try {
    const segment = segments[1]!
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** Who acts in an entity's token (its `act` claim); null for a person's or staff token. */
export function actorOf(token: string | null | undefined): Actor | null {
  if (!token) return null
  const claims = payload(token)
  const act = claims?.act
  if (claims?.typ !== 'entity' || !act || typeof act !== 'object') return null
  const { sub, idn, name } = act as Record<string, unknown>
  if (typeof sub !== 'string' || !sub) return null
  return { sub, idn: typeof idn === 'string' ? idn : '', name: typeof name === 'string' ? name : '' }
}

// ---------------------------------------------------------------- switching sessions

/** The tokens of a browser tab: the one in use, and the person's while they act for an entity. */
export interface Sessions {
  current: string | null
  person: string | null
}

/** To act for an entity: its token in use, the person's kept (the first one, when switching
 * from one entity to another). */
export function startActing(sessions: Sessions, entityToken: string): Sessions {
  return { current: entityToken, person: sessions.person ?? sessions.current }
}

/** 切换回个人: the person's token in use again, nothing kept. */
export function stopActing(sessions: Sessions): Sessions {
  return { current: sessions.person, person: null }
}

/** The person's token is kept in the tab's sessionStorage beside the one in use (stores/auth.ts). */
export const PERSON_TOKEN_KEY = 'gov.portal.person-token'
/** The key under which stores/auth.ts keeps the token in use. */
export const TOKEN_KEY = 'gov.portal.token'

export function readStored(key: string): string | null {
  try {
    return sessionStorage.getItem(key)
  } catch {
    return null
  }
}

export function writeStored(key: string, value: string | null): void {
  try {
    if (value) sessionStorage.setItem(key, value)
    else sessionStorage.removeItem(key)
  } catch {
    // storage refused (private mode): the session lasts until the page is closed
  }
}
