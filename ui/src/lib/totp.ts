/**
 * A staff account's second factor (动态验证码, TOTP, docs/identity.md): the password grant answers
 * 401 `totp_required` when the code is missing and 403 `totp_enrolment_required` when the account
 * has not bound an authenticator yet.
 */
import { isApiError } from '@/api'

function codesOf(error: unknown): (string | undefined)[] {
  if (!isApiError(error)) return []
  return [typeof error.problem.code === 'string' ? error.problem.code : undefined, ...(error.problem.errors ?? []).map((e) => e.code)]
}

export function isTotpRequired(error: unknown): boolean {
  return isApiError(error) && error.status === 401 && codesOf(error).includes('totp_required')
}

/** A wrong (or already used) code: 401 `totp_invalid`, said under the code. */
export function isTotpInvalid(error: unknown): boolean {
  return isApiError(error) && error.status === 401 && codesOf(error).includes('totp_invalid')
}

export function isTotpEnrolmentRequired(error: unknown): boolean {
  return isApiError(error) && error.status === 403 && codesOf(error).includes('totp_enrolment_required')
}

/** A six-digit code as typed (spaces removed), or null. */
export function normalizeTotp(value: string): string | null {
  const code = value.replace(/\s+/g, '')
  return /^\d{6}$/.test(code) ? code : null
}

/** The secret in groups of four, easier to type into an authenticator app. */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ')
}

/** The account and issuer an otpauth URI names (shown beside the QR code). */
export function describeOtpauth(uri: string): { issuer: string; account: string } | null {
  try {
    const parsed = new URL(uri)
    if (parsed.protocol !== 'otpauth:') return null
    const label = decodeURIComponent(parsed.pathname.replace(/^\/+/, '').replace(/^totp\//, ''))
    const [labelIssuer, account] = label.includes(':') ? label.split(':', 2) : ['', label]
    return { issuer: parsed.searchParams.get('issuer') ?? labelIssuer ?? '', account: (account ?? '').trim() }
  } catch {
    return null
  }
}
