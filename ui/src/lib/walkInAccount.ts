/**
 * 窗口代为注册: a window clerk opens a walk-in applicant's online account (docs/walk-in-accounts.md).
 * The phone is checked as the gateway checks it; the applicant's kind and login name come from the
 * identity number the case was filed under (一号申请).
 */
import { isApiError, type ApplicantType, type WalkInAccountRequest } from '@/api'
import { checkResidentId, checkUscc } from '@/lib/identity'
import { mapProblem } from '@/lib/problem'
import { PHONE } from '@/lib/registration'

export const ACCOUNT_EXISTS_MESSAGE = '该申请人已注册网上账号，请告知其直接登录'

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

/** The body of POST /accounts/walk-in; null when the case's number is neither kind. */
export function toWalkInAccount(applicant: CaseApplicant, phone: string): WalkInAccountRequest | null {
  const type = applicant.applicant_type ?? applicantTypeOf(applicant.applicant_id_number)
  const common = { name: applicant.applicant_name.trim(), phone: phone.trim() }
  if (type === 'person') {
    const checked = checkResidentId(applicant.applicant_id_number)
    return { account_type: 'person', id_number: checked.ok ? checked.value : applicant.applicant_id_number, ...common }
  }
  if (type === 'entity') {
    const checked = checkUscc(applicant.applicant_id_number)
    return { account_type: 'entity', uscc: checked.ok ? checked.value : applicant.applicant_id_number, ...common }
  }
  return null
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

export function accountTypeLabel(type: string): string {
  return type === 'entity' ? '法人' : type === 'person' ? '个人' : type
}
