import { describe, expect, it } from 'vitest'
import { ApiError, oidcLoginUrl, type Problem } from '@/api'
import { parseOidcFragment } from '@/lib/oidc'
import { describeOtpauth, groupSecret, isTotpEnrolmentRequired, isTotpInvalid, isTotpRequired, normalizeTotp } from '@/lib/totp'

const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln'

function apiError(problem: Partial<Problem> & { status: number }): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Error', ...problem })
}

describe('the identity platform\'s fragment', () => {
  it('gives the token, its lifetime and the way back', () => {
    const parsed = parseOidcFragment(`#access_token=${JWT}&token_type=bearer&expires_in=1800&return_to=%2Fmy%2Flicenses%3Fpage%3D2`)
    expect(parsed).toEqual({ ok: true, result: { accessToken: JWT, expiresIn: 1800, returnTo: '/my/licenses?page=2' } })
  })

  it('drops a way back to another site', () => {
    for (const target of ['https://evil.example/', '//evil.example', '/login']) {
      const parsed = parseOidcFragment(`access_token=${JWT}&return_to=${encodeURIComponent(target)}`)
      expect(parsed.ok && parsed.result.returnTo).toBeNull()
    }
  })

  it('refuses a missing or malformed token, and says why the platform refused', () => {
    expect(parseOidcFragment('')).toEqual({ ok: false, error: '未收到统一身份认证的登录凭证，请重新登录' })
    expect(parseOidcFragment('#access_token=abc').ok).toBe(false)
    expect(parseOidcFragment('#error=access_denied')).toEqual({ ok: false, error: '您已取消统一身份认证登录' })
    expect(parseOidcFragment('#error=server_error&error_description=boom')).toEqual({ ok: false, error: '统一身份认证登录未能完成（boom）' })
  })

  it('starts the sign-in at the gateway with the way back', () => {
    expect(oidcLoginUrl('/my/cases')).toBe('/api/v1/auth/oidc/login?return_to=%2Fmy%2Fcases')
  })
})

describe('staff second factor', () => {
  it('recognises the two refusals of the password grant', () => {
    expect(isTotpRequired(apiError({ status: 401, code: 'totp_required' }))).toBe(true)
    expect(isTotpRequired(apiError({ status: 401, code: 'unauthorized' }))).toBe(false)
    expect(isTotpEnrolmentRequired(apiError({ status: 403, code: 'totp_enrolment_required' }))).toBe(true)
    expect(isTotpEnrolmentRequired(apiError({ status: 403, code: 'password_change_required' }))).toBe(false)
    expect(isTotpInvalid(apiError({ status: 401, code: 'totp_invalid' }))).toBe(true)
    expect(isTotpInvalid(apiError({ status: 401, code: 'totp_required' }))).toBe(false)
  })

  it('checks a code and shows a secret and an otpauth URI for people', () => {
    expect(normalizeTotp('123 456')).toBe('123456')
    expect(normalizeTotp('1234567')).toBeNull()
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP')
    expect(describeOtpauth('otpauth://totp/%E7%A4%BA%E8%8C%83%E5%8E%BF:reviewer?secret=JBSWY3DPEHPK3PXP&issuer=%E7%A4%BA%E8%8C%83%E5%8E%BF')).toEqual({
      issuer: '示范县',
      account: 'reviewer',
    })
    expect(describeOtpauth('https://example.org')).toBeNull()
  })
})
