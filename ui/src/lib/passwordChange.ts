/**
 * The first log-in with an initial password from the window (docs/walk-in-accounts.md): the
 * gateway refuses the token (403 `password_change_required`) until a new password is set with
 * POST /auth/password; checked here as the gateway checks it (PasswordChangeIn).
 */
import { isApiError } from '@/api'
import { mapProblem } from '@/lib/problem'
import { PASSWORD_MAX, PASSWORD_MIN } from '@/lib/registration'

export const WRONG_PASSWORD = '用户名或密码错误'
export const PASSWORD_UNCHANGED = '新密码不能与初始密码相同'

export interface NewPasswordForm {
  password: string
  confirm: string
}

export type NewPasswordField = 'new_password' | 'confirm'

/** The token was refused only because the password must be changed first. */
export function isPasswordChangeRequired(error: unknown): boolean {
  return isApiError(error) && error.status === 403 && error.problem.code === 'password_change_required'
}

/** Messages by field; `current` is the initial password the new one must differ from. */
export function checkNewPassword(form: NewPasswordForm, current?: string): Partial<Record<NewPasswordField, string>> {
  const errors: Partial<Record<NewPasswordField, string>> = {}
  if (!form.password) errors.new_password = '请设置新密码'
  else if (form.password.length < PASSWORD_MIN) errors.new_password = `新密码至少${PASSWORD_MIN}位`
  else if (form.password.length > PASSWORD_MAX) errors.new_password = `新密码最多${PASSWORD_MAX}位`
  else if (current !== undefined && form.password === current) errors.new_password = PASSWORD_UNCHANGED
  if (!form.confirm) errors.confirm = '请再次输入新密码'
  else if (form.confirm !== form.password) errors.confirm = '两次输入的密码不一致'
  return errors
}

export interface PasswordChangeProblem {
  /** shown next to the new password */
  newPassword: string
  /** the current password was refused (401): back to the log-in, with this under the password */
  wrongPassword: string
  /** shown above the form */
  general: string
}

/** The gateway's refusal of POST /auth/password, for the form. */
export function passwordChangeProblem(error: unknown): PasswordChangeProblem {
  if (isApiError(error) && error.status === 401) return { newPassword: '', wrongPassword: WRONG_PASSWORD, general: '' }
  if (isApiError(error)) {
    const unchanged = error.problem.code === 'password_unchanged' || (error.problem.errors ?? []).some((e) => e.code === 'password_unchanged')
    if (unchanged) return { newPassword: PASSWORD_UNCHANGED, wrongPassword: '', general: '' }
  }
  const mapped = mapProblem(error, { fields: ['new_password'], labels: { new_password: '新密码', current_password: '初始密码', username: '账号' } })
  return { newPassword: mapped.fields.new_password ?? '', wrongPassword: '', general: mapped.general.join('；') }
}
