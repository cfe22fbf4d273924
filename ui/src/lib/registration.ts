/** Registration of a natural or legal person, checked as the gateway checks it (RegisterIn). */
import { isApiError, type Registration } from '@/api'
import { checkResidentId, checkUscc } from '@/lib/identity'
import { waitText, type MappedProblem } from '@/lib/problem'

/** The gateway's password bounds (RegisterIn, PasswordChangeIn). */
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128

export type ApplicantKind = 'person' | 'entity'

export interface RegistrationForm {
  kind: ApplicantKind
  idNumber: string
  uscc: string
  name: string
  phone: string
  password: string
  confirm: string
}

/** The form's field names, which are also the API's where the API has them. */
export type RegistrationField = 'id_number' | 'uscc' | 'name' | 'phone' | 'password' | 'confirm'

export const PHONE = /^1[3-9]\d{9}$/

export function emptyRegistration(kind: ApplicantKind = 'person'): RegistrationForm {
  return { kind, idNumber: '', uscc: '', name: '', phone: '', password: '', confirm: '' }
}

export function fieldsOf(kind: ApplicantKind): RegistrationField[] {
  return [kind === 'person' ? 'id_number' : 'uscc', 'name', 'phone', 'password', 'confirm']
}

export function checkField(form: RegistrationForm, field: RegistrationField): string | null {
  switch (field) {
    case 'id_number': {
      const result = checkResidentId(form.idNumber)
      return result.ok ? null : result.message
    }
    case 'uscc': {
      const result = checkUscc(form.uscc)
      return result.ok ? null : result.message
    }
    case 'name': {
      const name = form.name.trim()
      if (!name) return form.kind === 'person' ? '请输入姓名' : '请输入单位名称'
      return name.length > 100 ? '名称最多100个字符' : null
    }
    case 'phone':
      if (!form.phone.trim()) return '请输入手机号码'
      return PHONE.test(form.phone.trim()) ? null : '请输入11位手机号码'
    case 'password':
      if (!form.password) return '请设置密码'
      if (form.password.length < PASSWORD_MIN) return `密码至少${PASSWORD_MIN}位`
      return form.password.length > PASSWORD_MAX ? `密码最多${PASSWORD_MAX}位` : null
    case 'confirm':
      if (!form.confirm) return '请再次输入密码'
      return form.confirm === form.password ? null : '两次输入的密码不一致'
  }
}

export function checkRegistration(form: RegistrationForm): Partial<Record<RegistrationField, string>> {
  const errors: Partial<Record<RegistrationField, string>> = {}
  for (const field of fieldsOf(form.kind)) {
    const message = checkField(form, field)
    if (message) errors[field] = message
  }
  return errors
}

/** The body of POST /auth/register. */
export function toRegistration(form: RegistrationForm): Registration {
  const common = { name: form.name.trim(), phone: form.phone.trim(), password: form.password }
  if (form.kind === 'person') {
    return { account_type: 'person', id_number: form.idNumber.trim().toUpperCase(), ...common }
  }
  return { account_type: 'entity', uscc: form.uscc.replace(/[\s-]/g, '').toUpperCase(), ...common }
}

/** The user name to log in with right after registering. */
export function usernameOf(form: RegistrationForm): string {
  const body = toRegistration(form)
  return body.account_type === 'person' ? body.id_number : body.uscc
}

/** The name and number do not match the population registry (the registered name is never told). */
export const IDENTITY_MISMATCH = '姓名与身份证号码不一致：与人口库登记的信息不符，请核对后重新填写'
export const IDENTITY_MISMATCH_ENTITY = '单位名称与统一社会信用代码不一致：与法人库登记的信息不符，请核对后重新填写'

/**
 * The gateway's refusal of a registration, for the form: a mismatch with the registry under the
 * name; throttling (429) and an unreachable registry (503) say how long to wait.
 */
export function registrationProblem(
  error: unknown,
  kind: ApplicantKind,
  mapped: MappedProblem,
): { fields: Partial<Record<RegistrationField, string>>; general: string } {
  const fields = { ...mapped.fields } as Partial<Record<RegistrationField, string>>
  if (isApiError(error)) {
    const codes = [error.problem.code, ...(error.problem.errors ?? []).map((e) => e.code)]
    if (codes.includes('identity_mismatch')) {
      return { fields: { ...fields, name: kind === 'entity' ? IDENTITY_MISMATCH_ENTITY : IDENTITY_MISMATCH }, general: '' }
    }
    if (error.status === 429) return { fields: {}, general: `注册过于频繁，${waitText(error.retryAfter)}` }
    if (error.status === 503) return { fields: {}, general: `暂时无法核验身份信息，${waitText(error.retryAfter)}` }
  }
  return { fields, general: Object.keys(fields).length ? '' : mapped.general.join('；') }
}
