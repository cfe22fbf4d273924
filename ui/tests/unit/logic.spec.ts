import { describe, expect, it } from 'vitest'
import { verdict, visible, type Viewer } from '@/lib/access'
import { decodeClaims, isExpired } from '@/lib/jwt'
import { bundleStatusLabel, bundleStatusTag, caseStatusLabel, timelineNote } from '@/lib/labels'
import { safeRedirect } from '@/lib/redirect'
import { checkRegistration, emptyRegistration, toRegistration } from '@/lib/registration'
import { ruleConditions } from '@/lib/rules'
import { licenseNoFrom, verificationUrl } from '@/lib/verification'

const anonymous: Viewer = { isAuthenticated: false, isApplicant: false, isStaff: false, roles: [] }
const applicant: Viewer = { isAuthenticated: true, isApplicant: true, isStaff: false, roles: [] }
const reviewer: Viewer = { isAuthenticated: true, isApplicant: false, isStaff: true, roles: ['reviewer'] }
const clerk: Viewer = { isAuthenticated: true, isApplicant: false, isStaff: true, roles: ['clerk'] }

describe('who may open a page', () => {
  it('sends visitors to log in, and refuses the wrong role', () => {
    expect(verdict({}, anonymous)).toBe('allow')
    expect(verdict({ access: 'applicant' }, anonymous)).toBe('login')
    expect(verdict({ access: 'applicant' }, applicant)).toBe('allow')
    expect(verdict({ access: 'applicant' }, reviewer)).toBe('forbidden')
    expect(verdict({ access: 'staff', roles: ['reviewer'] }, reviewer)).toBe('allow')
    expect(verdict({ access: 'staff', roles: ['reviewer'] }, clerk)).toBe('forbidden')
    expect(verdict({ access: 'staff', roles: ['reviewer'] }, applicant)).toBe('forbidden')
    expect(verdict({ access: 'guest' }, applicant)).toBe('home')
  })

  it('shows in the navigation only what the viewer may open', () => {
    expect(visible({ access: 'staff', roles: ['reviewer'] }, clerk)).toBe(false)
    expect(visible({ access: 'staff', roles: ['reviewer'] }, reviewer)).toBe(true)
    expect(visible({ access: 'applicant' }, anonymous)).toBe(false)
    expect(visible({ access: 'guest' }, applicant)).toBe(false)
  })
})

describe('the access token', () => {
  function token(claims: object): string {
    const encode = (value: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value)))).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
    return `${encode({ alg: 'EdDSA' })}.${encode(claims)}.c2ln`
  }

  it('reads the gateway’s claims, Chinese names included', () => {
    const claims = decodeClaims(token({ sub: 's1', typ: 'staff', name: 'amr 审批人员', roles: ['reviewer'], dept: 'amr', exp: 2_000_000_000 }))
    expect(claims).toEqual({ sub: 's1', typ: 'staff', name: 'amr 审批人员', idn: undefined, roles: ['reviewer'], dept: 'amr', exp: 2_000_000_000 })
    expect(isExpired(claims!, 1_999_999_000)).toBe(false)
    expect(isExpired(claims!, 2_000_000_000)).toBe(true)
  })

  it('refuses what is not a token', () => {
    expect(decodeClaims('nonsense')).toBeNull()
    expect(decodeClaims(token({ name: 'no sub' }))).toBeNull()
  })
})

describe('registration', () => {
  it('checks each field of a person and builds the API body', () => {
    const form = { ...emptyRegistration('person'), idNumber: '11010519491231002x', name: ' 张三 ', phone: '13800138000', password: 'secret-123', confirm: 'secret-123' }
    expect(checkRegistration(form)).toEqual({})
    expect(toRegistration(form)).toEqual({ account_type: 'person', id_number: '11010519491231002X', name: '张三', phone: '13800138000', password: 'secret-123' })
    expect(checkRegistration({ ...form, phone: '12800138000', confirm: 'other' })).toEqual({ phone: '请输入11位手机号码', confirm: '两次输入的密码不一致' })
  })

  it('checks an enterprise by its credit code only', () => {
    const form = { ...emptyRegistration('entity'), idNumber: 'ignored', uscc: '91110000600037341M', name: '某公司', phone: '13800138000', password: 'short', confirm: 'short' }
    expect(Object.keys(checkRegistration(form))).toEqual(['uscc', 'password'])
  })
})

describe('small things people read', () => {
  it('reads a licence number from what is typed or from the QR code’s address', () => {
    expect(licenseNoFrom(' AMR-20261125-75097A60CB ')).toBe('AMR-20261125-75097A60CB')
    expect(licenseNoFrom('http://gov.example/verify/AMR-20261125-75097A60CB?x=1')).toBe('AMR-20261125-75097A60CB')
    expect(licenseNoFrom('http://gov.example/api/v1/licenses/AMR-20261125-75097A60CB/verify')).toBe(
      'AMR-20261125-75097A60CB',
    )
    expect(verificationUrl('AMR-1', 'https://zwfw.example/')).toBe('https://zwfw.example/verify/AMR-1')
  })

  it('redirects only within the site after logging in', () => {
    expect(safeRedirect('/my/cases?page=2')).toBe('/my/cases?page=2')
    expect(safeRedirect('//evil.example/')).toBeNull()
    expect(safeRedirect('https://evil.example/')).toBeNull()
    expect(safeRedirect('/login')).toBeNull()
    expect(safeRedirect(undefined)).toBeNull()
  })

  it('says the timeline in Chinese', () => {
    const name = (code: string) => (code === 'amr' ? '示范县市场监督管理局' : code)
    expect(timelineNote('dispatched to amr', name)).toBe('已分办至示范县市场监督管理局')
    expect(timelineNote('licence AMR-1', name)).toBe('已签发电子证照 AMR-1')
    expect(timelineNote('online pre-check passed', name)).toBe('网上预审通过')
    expect(timelineNote('符合秒批条件', name)).toBe('符合秒批条件')
    expect(caseStatusLabel('dispatched')).toBe('审查中')
    expect(caseStatusLabel('something_new')).toBe('something_new')
  })

  it('names and colours a bundle application by its overall status', () => {
    expect([bundleStatusLabel('in_progress'), bundleStatusLabel('concluded'), bundleStatusLabel('some_denied')]).toEqual(['办理中', '全部办结', '部分未获准予'])
    expect([bundleStatusTag('in_progress'), bundleStatusTag('concluded'), bundleStatusTag('some_denied')]).toEqual(['primary', 'success', 'danger'])
    expect(bundleStatusLabel('something_new')).toBe('something_new')
  })

  it('reads a rule trace without a matched row', () => {
    expect(ruleConditions({ error: 'bad graph' }, null)).toEqual({ tableName: '', rowIndex: null, conditions: [] })
  })
})
