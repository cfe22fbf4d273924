/**
 * Identity assurance levels (实名认证等级, docs/identity.md): what each level rests on and unlocks,
 * the API's refusal of a call that needs a higher level (403 `assurance_level_required`), and
 * the refusals of the phone code that raises L1 to L2.
 */
import { isApiError, type AssuranceLevel, type IdentitySource } from '@/api'
import { mapProblem, waitText } from '@/lib/problem'
import { safeRedirect } from '@/lib/redirect'

export interface LevelInfo {
  level: AssuranceLevel
  /** L1, L2, L3 */
  code: string
  /** 实名核验, 手机核验, 现场核验或统一身份认证 */
  name: string
  /** how the level is reached */
  how: string
  /** what it adds to the level below */
  unlocks: string[]
}

export const LEVELS: readonly LevelInfo[] = [
  {
    level: 1,
    code: 'L1',
    name: '实名核验',
    how: '注册时姓名与身份证号码经人口库核验',
    unlocks: ['浏览办事指南', '在线申报事项', '查看本人办件进度', '评价服务（好差评）'],
  },
  {
    level: 2,
    code: 'L2',
    name: '手机核验',
    how: '在 L1 基础上，以人口库登记的手机号码接收短信验证码',
    unlocks: ['申报时自动填写本人信息', '我的证照（查看、亮证、注销）', '查看谁查看了我的数据'],
  },
  {
    level: 3,
    code: 'L3',
    name: '现场核验或统一身份认证',
    how: '在政务服务窗口出示身份证件原件核验，或通过统一身份认证平台登录',
    unlocks: ['以上全部功能', '找回被他人冒用注册的账号'],
  },
]

/** A level as a number 1–3, or null when there is none (staff, an older token). */
export function normalizeLevel(value: unknown): AssuranceLevel | null {
  return value === 1 || value === 2 || value === 3 ? value : null
}

export function levelInfo(level: unknown): LevelInfo | null {
  const normalized = normalizeLevel(level)
  return normalized ? LEVELS[normalized - 1]! : null
}

/** `L2 手机核验`; `未认证` for none. */
export function levelLabel(level: unknown): string {
  const info = levelInfo(level)
  return info ? `${info.code} ${info.name}` : '未认证'
}

/** `L2` alone; `L0` for none. */
export function levelCode(level: unknown): string {
  return levelInfo(level)?.code ?? 'L0'
}

const SOURCES: Record<IdentitySource, string> = {
  registry: '人口库实名核验',
  unlisted: '人口库暂无登记（外地户籍等）',
  phone: '人口库登记手机号码核验',
  window: '政务服务窗口现场核验',
  oidc: '统一身份认证平台',
}

export function identitySourceLabel(source: string | null | undefined): string {
  if (!source) return ''
  return SOURCES[source as IdentitySource] ?? source
}

/** What the applicant may not do yet: the unlocks of the levels above theirs. */
export function lockedAbove(level: unknown): string[] {
  const current = normalizeLevel(level) ?? 0
  return LEVELS.filter((l) => l.level > current).flatMap((l) => l.unlocks.filter((u) => u !== '以上全部功能'))
}

/** L1 can be raised to L2 by a code to the registry's phone, unless the registry does not know the number. */
export function canRaiseByPhone(level: unknown, source: string | null | undefined): boolean {
  return (normalizeLevel(level) ?? 1) < 2 && source !== 'unlisted'
}

// ---------------------------------------------------------------- 403 assurance_level_required

export interface AssuranceShortfall {
  required: AssuranceLevel
  current: number
}

/** The API refused because the applicant's level is too low; null for any other error. */
export function assuranceShortfall(error: unknown): AssuranceShortfall | null {
  if (!isApiError(error) || error.status !== 403 || error.problem.code !== 'assurance_level_required') return null
  const required = normalizeLevel(error.problem.required_level) ?? 2
  const current = typeof error.problem.current_level === 'number' ? error.problem.current_level : 0
  return { required, current }
}

/** What the applicant was doing when the level was too low, for the explanation on 实名认证. */
export type AssurancePurpose = 'prefill' | 'licenses' | 'license' | 'license-cancel' | 'data-access'

const PURPOSES: Record<AssurancePurpose, string> = {
  prefill: '申报时自动填写本人信息',
  licenses: '查看我的证照',
  license: '查看电子证照',
  'license-cancel': '注销电子证照',
  'data-access': '查看谁查看了我的数据',
}

export function isPurpose(value: unknown): value is AssurancePurpose {
  return typeof value === 'string' && value in PURPOSES
}

/** Why the applicant was sent to 实名认证: one sentence naming the action and the levels. */
export function shortfallMessage(purpose: AssurancePurpose | null, required: number, current: number): string {
  const action = purpose ? PURPOSES[purpose] : '使用该功能'
  const need = levelLabel(required)
  const have = current > 0 ? `您当前为 ${levelLabel(current)}` : '您尚未完成实名认证'
  return `${action}需要 ${need} 及以上的实名认证等级，${have}。请先提升认证等级，完成后可返回继续办理。`
}

export interface IdentityPageQuery {
  need: string
  current: string
  for?: AssurancePurpose
  return?: string
}

/** The route to 实名认证 for a shortfall, with the way back. */
export function identityRoute(
  shortfall: AssuranceShortfall,
  purpose: AssurancePurpose | null,
  returnTo: string | null,
): { name: 'my-identity'; query: Record<string, string> } {
  const query: Record<string, string> = { need: String(shortfall.required), current: String(shortfall.current) }
  if (purpose) query.for = purpose
  const back = safeRedirect(returnTo)
  if (back && !back.startsWith('/my/identity')) query.return = back
  return { name: 'my-identity', query }
}

/** The explanation the page shows for its query; null when the applicant came on their own. */
export function explainQuery(query: Record<string, unknown>): { message: string; returnTo: string | null } | null {
  const one = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value)
  const required = normalizeLevel(Number(one(query.need)))
  const returnTo = safeRedirect(one(query.return))
  if (!required) return null
  const current = Number(one(query.current))
  const purpose = one(query.for)
  return {
    message: shortfallMessage(isPurpose(purpose) ? purpose : null, required, Number.isFinite(current) ? current : 0),
    returnTo,
  }
}

// ---------------------------------------------------------------- the phone code (L1 → L2)

export const NO_REGISTRY_PHONE =
  '人口库中没有您的手机号码（或没有您的户籍信息），无法通过短信提升认证等级。请携带身份证件到政务服务窗口现场核验，或使用统一身份认证登录。'
export const CODE_INVALID = '验证码不正确，请核对短信后重新输入'
export const CODE_EXPIRED = '验证码已失效，请重新获取'
export const CODE_FORMAT = '请输入短信中的6位数字验证码'

/** A six-digit code as typed (spaces removed); null when it is not one. */
export function normalizeCode(value: string): string | null {
  const code = value.replace(/\s+/g, '')
  return /^\d{6}$/.test(code) ? code : null
}

export interface PhoneCodeProblem {
  /** the account cannot be raised by phone (409 no_registry_phone) */
  noRegistryPhone: boolean
  /** seconds until another code may be asked for (429) */
  retryAfter: number | null
  /** next to the code */
  code: string
  /** above the form */
  general: string
}

/** The gateway's refusal of phone-code or phone-verify, for the page. */
export function phoneCodeProblem(error: unknown): PhoneCodeProblem {
  const result: PhoneCodeProblem = { noRegistryPhone: false, retryAfter: null, code: '', general: '' }
  if (isApiError(error)) {
    const codes = [error.problem.code, ...(error.problem.errors ?? []).map((e) => e.code)]
    if (codes.includes('no_registry_phone')) return { ...result, noRegistryPhone: true, general: NO_REGISTRY_PHONE }
    if (codes.includes('code_expired')) return { ...result, code: CODE_EXPIRED }
    if (codes.includes('code_invalid')) return { ...result, code: CODE_INVALID }
    if (error.status === 429) {
      return { ...result, retryAfter: error.retryAfter, general: `获取验证码过于频繁，${waitText(error.retryAfter)}` }
    }
  }
  const mapped = mapProblem(error, { fields: ['code'], labels: { code: '验证码' } })
  return { ...result, code: mapped.fields.code ?? '', general: mapped.general.join('；') }
}
