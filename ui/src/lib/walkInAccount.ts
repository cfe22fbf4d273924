/**
 * 窗口代为注册: a window clerk opens a walk-in applicant's online account (docs/walk-in-accounts.md).
 * The phone is checked as the gateway checks it; the applicant's kind and login name come from the
 * identity number the case was filed under (一号申请). 窗口重置密码: for an applicant who already has
 * an account and forgot its password, the clerk resets it after checking the identity document.
 */
import {
  isApiError,
  type ApplicantType,
  type WalkInAccountRequest,
  type WalkInIdentityRequest,
  type WalkInPasswordResetRequest,
  type WalkInReclaimRequest,
} from '@/api'
import { checkResidentId, checkUscc } from '@/lib/identity'
import { mapProblem } from '@/lib/problem'
import { PHONE } from '@/lib/registration'

export const ACCOUNT_EXISTS_MESSAGE = '该申请人已注册网上账号，请告知其直接登录'
export const ACCOUNT_NOT_FOUND_MESSAGE = '该申请人尚未注册网上账号'

/** While the account slip is printed, the body carries this class: only the slip is printed. */
export const SLIP_PRINT_CLASS = 'printing-account-slip'

/** The applicant of a case, as the case detail names them. */
export interface CaseApplicant {
  applicant_id_number: string
  applicant_name: string
  /** as the case detail says; read from the number when absent */
  applicant_type?: ApplicantType
}

/** The gateway's rule for `phone` (a mainland mobile number); null when it is fine. */
export function checkPhone(phone: string): string | null {
  const value = phone.trim()
  if (!value) return '请输入手机号码'
  return PHONE.test(value) ? null : '请输入正确的11位手机号码'
}

/**
 * Person or entity, read from the number the case was filed under (for a case detail without its type):
 * a resident identity number is a person's, a unified social credit code an entity's.
 */
export function applicantTypeOf(idNumber: string): ApplicantType | null {
  if (checkResidentId(idNumber).ok) return 'person'
  if (checkUscc(idNumber).ok) return 'entity'
  return null
}

/**
 * The account's kind and number (the login name), as the gateway expects them: normalised when
 * valid, else as the case says (for the gateway to judge); null when the kind is unknown.
 */
export function accountNumberOf(applicant: CaseApplicant): WalkInPasswordResetRequest | null {
  const type = applicant.applicant_type ?? applicantTypeOf(applicant.applicant_id_number)
  if (type === 'person') {
    const checked = checkResidentId(applicant.applicant_id_number)
    return { account_type: 'person', id_number: checked.ok ? checked.value : applicant.applicant_id_number }
  }
  if (type === 'entity') {
    const checked = checkUscc(applicant.applicant_id_number)
    return { account_type: 'entity', uscc: checked.ok ? checked.value : applicant.applicant_id_number }
  }
  return null
}

/** The body of POST /accounts/walk-in; null when the case's number is neither kind. */
export function toWalkInAccount(applicant: CaseApplicant, phone: string): WalkInAccountRequest | null {
  const number = accountNumberOf(applicant)
  return number && { ...number, name: applicant.applicant_name.trim(), phone: phone.trim() }
}

/** The body of POST /accounts/walk-in/password-reset; null when the case's number is neither kind. */
export function toPasswordReset(applicant: CaseApplicant): WalkInPasswordResetRequest | null {
  return accountNumberOf(applicant)
}

/** The question asked before resetting: the clerk confirms the original document was checked. */
export function resetConfirmMessage(type: ApplicantType | null): string {
  return type === 'entity'
    ? '确认已核验申请单位营业执照及经办人身份证件原件，并为其重置登录密码？'
    : '确认已核验申请人身份证件原件，并为其重置登录密码？'
}

export interface WalkInProblem {
  /** the applicant already has an account (409 `account_exists`) */
  exists: boolean
  /** shown next to the phone number */
  phone: string
  /** shown above the form */
  general: string
}

const LABELS = { phone: '手机号码', name: '申请人姓名', id_number: '居民身份证号码', uscc: '统一社会信用代码' }

/** The gateway's refusal, for the dialog: the phone's message next to it, the rest above it. */
export function walkInProblem(error: unknown): WalkInProblem {
  if (isApiError(error) && error.status === 409) {
    const codes = [error.problem.code, ...(error.problem.errors ?? []).map((e) => e.code)]
    if (codes.includes('account_exists')) return { exists: true, phone: '', general: '' }
  }
  const mapped = mapProblem(error, { fields: ['phone'], labels: LABELS })
  return { exists: false, phone: mapped.fields.phone ?? '', general: mapped.general.join('；') }
}

/** The gateway's refusal of a password reset: 404 `account_not_found` says there is no account. */
export function passwordResetProblem(error: unknown): { notFound: boolean; general: string } {
  if (isApiError(error) && error.status === 404) {
    const codes = [error.problem.code, ...(error.problem.errors ?? []).map((e) => e.code)]
    if (codes.includes('account_not_found')) return { notFound: true, general: ACCOUNT_NOT_FOUND_MESSAGE }
  }
  return { notFound: false, general: mapProblem(error, { fields: [], labels: LABELS }).general.join('；') }
}

// ---------------------------------------------------------------- 现场核验身份, 找回被冒用账号 (docs/identity.md)

/** The question asked before raising the account to L3: the clerk checked the document in person. */
export function verifyConfirmMessage(type: ApplicantType | null): string {
  return type === 'entity'
    ? '确认已当面核验申请单位营业执照及法定代表人身份证件原件？核验后其网上账号的实名认证等级提升为 L3（现场核验）。'
    : '确认已当面核验申请人身份证件原件，且证件照片与本人相符？核验后其网上账号的实名认证等级提升为 L3（现场核验）。'
}

/** The question asked before taking an account back from whoever registered it under the owner's number. */
export function reclaimConfirmMessage(type: ApplicantType | null): string {
  const document = type === 'entity' ? '营业执照及法定代表人身份证件' : '身份证件'
  return `确认已当面核验申请人${document}原件？找回后账号改为申请人本人的姓名和手机号码，并生成新的初始密码；冒用者的登录立即失效。`
}

/** The body of POST /accounts/walk-in/verify-in-person: persons only (an entity acts through its representative). */
export function toInPersonVerification(applicant: CaseApplicant): WalkInIdentityRequest | null {
  const number = accountNumberOf(applicant)
  return number && number.account_type === 'person' ? { ...number, name: applicant.applicant_name.trim() } : null
}

/** The body of POST /accounts/walk-in/reclaim: persons only; null otherwise. */
export function toReclaim(applicant: CaseApplicant, name: string, phone: string): WalkInReclaimRequest | null {
  const number = accountNumberOf(applicant)
  return number && number.account_type === 'person' ? { ...number, name: name.trim(), phone: phone.trim() } : null
}

export const ACCOUNT_NAME_DIFFERS_MESSAGE = '该证件号码下的网上账号登记的是其他姓名，可能被他人冒用注册。请核实后使用“找回被冒用账号”为申请人找回。'


export const RECLAIM_NAME_MISMATCH = '姓名与证件号码不一致：与人口库登记的信息不符，请核对身份证件'

/** The gateway's refusal of verify-in-person: no account yet (404), or one under another name (409: reclaim it). */
export function verifyInPersonProblem(error: unknown): { notFound: boolean; nameDiffers: boolean; general: string } {
  if (isApiError(error)) {
    const codes = [error.problem.code, ...(error.problem.errors ?? []).map((e) => e.code)]
    if (codes.includes('account_name_differs')) return { notFound: false, nameDiffers: true, general: ACCOUNT_NAME_DIFFERS_MESSAGE }
    if (codes.includes('identity_mismatch')) return { notFound: false, nameDiffers: false, general: RECLAIM_NAME_MISMATCH }
  }
  return { ...passwordResetProblem(error), nameDiffers: false }
}

/** The gateway's refusal of a reclaim, for its dialog. */
export function reclaimProblem(error: unknown): { notFound: boolean; name: string; phone: string; general: string } {
  if (isApiError(error)) {
    const codes = [error.problem.code, ...(error.problem.errors ?? []).map((e) => e.code)]
    if (codes.includes('account_not_found')) return { notFound: true, name: '', phone: '', general: ACCOUNT_NOT_FOUND_MESSAGE }
    if (codes.includes('identity_mismatch')) return { notFound: false, name: RECLAIM_NAME_MISMATCH, phone: '', general: '' }
  }
  const mapped = mapProblem(error, { fields: ['name', 'phone'], labels: LABELS })
  return { notFound: false, name: mapped.fields.name ?? '', phone: mapped.fields.phone ?? '', general: mapped.general.join('；') }
}

/** What the result and the slip say: a newly opened account, a password reset, or an account taken back. */
export type WalkInResult = 'opened' | 'reset' | 'reclaimed'

export interface ResultTexts {
  /** the status above the credentials */
  status: string
  /** the printed slip's title */
  slip: string
  /** the row of the slip with the time */
  timeLabel: string
  /** under the credentials */
  note: string
}

export const RESULT_TEXTS: Record<WalkInResult, ResultTexts> = {
  opened: {
    status: '网上账号已开通',
    slip: '开户告知单',
    timeLabel: '开户时间',
    note: '初始密码只显示这一次，请打印开户告知单交申请人留存。申请人首次登录时须设置新密码，初始密码随即失效。',
  },
  reset: {
    status: '登录密码已重置',
    slip: '密码重置告知单',
    timeLabel: '重置时间',
    note: '原密码已失效。新的初始密码只显示这一次，请打印密码重置告知单交申请人留存。申请人登录时须设置新密码，初始密码随即失效。',
  },
  reclaimed: {
    status: '账号已找回，实名认证等级为 L3',
    slip: '账号找回告知单',
    timeLabel: '找回时间',
    note: '账号已改为申请人本人的姓名和手机号码，冒用者的登录已全部失效。新的初始密码只显示这一次，请打印账号找回告知单交申请人留存。申请人登录时须设置新密码，初始密码随即失效。',
  },
}

export function accountTypeLabel(type: string): string {
  return type === 'entity' ? '法人' : type === 'person' ? '个人' : type
}
