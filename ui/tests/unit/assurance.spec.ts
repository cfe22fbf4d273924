import { describe, expect, it } from 'vitest'
import { ApiError, parseRetryAfter, type Problem } from '@/api'
import {
  assuranceShortfall,
  canRaiseByPhone,
  CODE_EXPIRED,
  CODE_INVALID,
  explainQuery,
  identityRoute,
  identitySourceLabel,
  levelCode,
  levelInfo,
  levelLabel,
  LEVELS,
  lockedAbove,
  NO_REGISTRY_PHONE,
  normalizeCode,
  phoneCodeProblem,
  shortfallMessage,
} from '@/lib/assurance'
import { decodeClaims } from '@/lib/jwt'
import { describeError, mapProblem, waitText } from '@/lib/problem'

function apiError(problem: Partial<Problem> & { status: number }, retryAfter: number | null = null): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Error', ...problem }, retryAfter)
}

function token(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  return `${encode({ alg: 'EdDSA' })}.${encode(claims)}.signature`
}

const SHORTFALL = { status: 403, code: 'assurance_level_required', required_level: 2, current_level: 1, detail: 'this needs identity assurance level L2; your account is at L1' }

describe('assurance levels', () => {
  it('labels each level with what it rests on and unlocks', () => {
    expect(levelLabel(1)).toBe('L1 实名核验')
    expect(levelLabel(2)).toBe('L2 手机核验')
    expect(levelLabel(3)).toBe('L3 现场核验或统一身份认证')
    expect(levelLabel(undefined)).toBe('未认证')
    expect(levelLabel(4)).toBe('未认证')
    expect(levelCode(2)).toBe('L2')
    expect(levelCode(null)).toBe('L0')
    expect(levelInfo(2)!.unlocks).toContain('我的证照（查看、亮证、注销）')
    expect(LEVELS.map((l) => l.code)).toEqual(['L1', 'L2', 'L3'])
  })

  it('says what is still locked above a level', () => {
    expect(lockedAbove(1)).toContain('查看谁查看了我的数据')
    expect(lockedAbove(1)).toContain('找回被他人冒用注册的账号')
    expect(lockedAbove(2)).toEqual(['找回被他人冒用注册的账号'])
    expect(lockedAbove(3)).toEqual([])
  })

  it('names the identity source', () => {
    expect(identitySourceLabel('registry')).toBe('人口库实名核验')
    expect(identitySourceLabel('unlisted')).toContain('人口库暂无登记')
    expect(identitySourceLabel('oidc')).toBe('统一身份认证平台')
    expect(identitySourceLabel(null)).toBe('')
  })

  it('raises by phone only an L1 account the registry knows', () => {
    expect(canRaiseByPhone(1, 'registry')).toBe(true)
    expect(canRaiseByPhone(1, 'unlisted')).toBe(false)
    expect(canRaiseByPhone(2, 'phone')).toBe(false)
    expect(canRaiseByPhone(3, 'window')).toBe(false)
  })

  it('reads loa from the token', () => {
    expect(decodeClaims(token({ sub: 'a', typ: 'person', exp: 9e9, loa: 2 }))!.loa).toBe(2)
    expect(decodeClaims(token({ sub: 'a', typ: 'staff', exp: 9e9 }))!.loa).toBeUndefined()
    expect(decodeClaims(token({ sub: 'a', typ: 'person', exp: 9e9, loa: '2' }))!.loa).toBeUndefined()
  })
})

describe('403 assurance_level_required', () => {
  it('is recognised with its levels', () => {
    expect(assuranceShortfall(apiError(SHORTFALL))).toEqual({ required: 2, current: 1 })
    expect(assuranceShortfall(apiError({ status: 403, code: 'forbidden' }))).toBeNull()
    expect(assuranceShortfall(new Error('x'))).toBeNull()
  })

  it('leads to 实名认证 with the way back, never to another site', () => {
    const shortfall = { required: 2 as const, current: 1 }
    expect(identityRoute(shortfall, 'licenses', '/my/licenses?page=2')).toEqual({
      name: 'my-identity',
      query: { need: '2', current: '1', for: 'licenses', return: '/my/licenses?page=2' },
    })
    expect(identityRoute(shortfall, null, 'https://evil.example/').query.return).toBeUndefined()
    expect(identityRoute(shortfall, null, '//evil.example/').query.return).toBeUndefined()
  })

  it('explains on the page why the applicant came', () => {
    const explained = explainQuery({ need: '2', current: '1', for: 'licenses', return: '/my/licenses' })
    expect(explained!.message).toBe('查看我的证照需要 L2 手机核验 及以上的实名认证等级，您当前为 L1 实名核验。请先提升认证等级，完成后可返回继续办理。')
    expect(explained!.returnTo).toBe('/my/licenses')
    expect(explainQuery({ return: '/my/licenses' })).toBeNull()
    expect(explainQuery({ need: '2', return: 'http://x' })!.returnTo).toBeNull()
    expect(shortfallMessage('data-access', 2, 0)).toContain('您尚未完成实名认证')
  })

  it('is one Chinese sentence when shown elsewhere', () => {
    expect(describeError(apiError(SHORTFALL))).toBe('您的实名认证等级不足，请先提升认证等级')
  })
})

describe('the phone code', () => {
  it('accepts six digits', () => {
    expect(normalizeCode(' 123 456 ')).toBe('123456')
    expect(normalizeCode('12345')).toBeNull()
    expect(normalizeCode('12345a')).toBeNull()
  })

  it('maps the refusals', () => {
    expect(phoneCodeProblem(apiError({ status: 409, code: 'no_registry_phone' }))).toMatchObject({ noRegistryPhone: true, general: NO_REGISTRY_PHONE })
    expect(phoneCodeProblem(apiError({ status: 422, code: 'code_invalid', errors: [{ field: 'code', message: 'wrong code', code: 'code_invalid' }] })).code).toBe(CODE_INVALID)
    expect(phoneCodeProblem(apiError({ status: 422, code: 'code_expired' })).code).toBe(CODE_EXPIRED)
    const throttled = phoneCodeProblem(apiError({ status: 429, code: 'too_many_requests' }, 42))
    expect(throttled.retryAfter).toBe(42)
    expect(throttled.general).toBe('获取验证码过于频繁，请 42 秒后再试')
  })
})

describe('problem mapping of the identity codes', () => {
  it('puts identity_mismatch on the name without revealing it', () => {
    const error = apiError({
      status: 422,
      code: 'identity_mismatch',
      errors: [{ field: 'name', message: 'the name does not match the identity number', code: 'identity_mismatch' }],
    })
    const mapped = mapProblem(error, { fields: ['id_number', 'name', 'phone'] })
    expect(mapped.fields.name).toBe('姓名与身份证号码不一致：与人口库登记的信息不符，请核对后重新填写')
    expect(mapped.general).toEqual([])
  })

  it('says how long to wait when throttled', () => {
    expect(describeError(apiError({ status: 429, detail: 'too many registrations from this address' }, 1800))).toBe('操作过于频繁，请 30 分钟后再试')
    expect(describeError(apiError({ status: 429, retry_after: 30 }))).toBe('操作过于频繁，请 30 秒后再试')
    expect(waitText(null)).toBe('请稍后再试')
  })

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('120')).toBe(120)
    expect(parseRetryAfter(null)).toBeNull()
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30)
    expect(parseRetryAfter('soon')).toBeNull()
  })
})
