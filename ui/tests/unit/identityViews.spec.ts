/** The identity pieces of the pages: the clerk's 现场核验身份 and 找回被冒用账号, 实名认证 (L1→L2), the registration's refusals, the OIDC return and the staff 动态验证码. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { ElMessageBox } from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import * as api from '@/api'
import { ApiError, type Problem } from '@/api'
import { emptyRegistration, IDENTITY_MISMATCH, registrationProblem } from '@/lib/registration'
import { mapProblem } from '@/lib/problem'
import { RECLAIM_NAME_MISMATCH, reclaimConfirmMessage, reclaimProblem, RESULT_TEXTS, toReclaim, verifyConfirmMessage } from '@/lib/walkInAccount'
import { resetOidcStatus } from '@/composables/useOidcStatus'
import { useAuthStore } from '@/stores/auth'
import LoginView from '@/views/auth/LoginView.vue'
import OidcCallbackView from '@/views/auth/OidcCallbackView.vue'
import MyIdentityView from '@/views/applicant/MyIdentityView.vue'
import WalkInAccountCard from '@/views/clerk/WalkInAccountCard.vue'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return {
    ...actual,
    verifyWalkInInPerson: vi.fn(),
    reclaimWalkInAccount: vi.fn(),
    requestPhoneCode: vi.fn(),
    verifyPhoneCode: vi.fn(),
    getMe: vi.fn(),
    login: vi.fn(),
    getOidcStatus: vi.fn(async () => ({ enabled: true, name: '浙江政务服务网统一身份认证' })),
    enrolTotp: vi.fn(),
    confirmTotp: vi.fn(),
  }
})

const PERSON = '33012219920202001X'
type Confirmed = Awaited<ReturnType<typeof ElMessageBox.confirm>>
const CONFIRMED = { value: '', action: 'confirm' } as unknown as Confirmed

function apiError(problem: Partial<Problem> & { status: number }, retryAfter: number | null = null): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Error', ...problem }, retryAfter)
}

function token(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
  return `${encode({ alg: 'EdDSA' })}.${encode({ exp: 4_000_000_000, roles: [], ...claims })}.c2ln`
}

async function settle(): Promise<void> {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 120))
  await flushPromises()
}

function button(wrapper: VueWrapper, text: string) {
  const found = wrapper.findAll('button').find((b) => b.text().includes(text))
  if (!found) throw new Error(`no button ${text}`)
  return found
}

function account(extra: Partial<api.Account> = {}): api.Account {
  return { id: 'a1', account_type: 'person', username: PERSON, name: '钱多多', phone: '13900000001', roles: [], department_code: null, assurance_level: null, identity_source: null, ...extra }
}

beforeEach(() => {
  setActivePinia(createPinia())
  sessionStorage.clear()
  resetOidcStatus()
  vi.clearAllMocks()
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('the clerk\'s identity actions (lib)', () => {
  it('builds the reclaim body from the case and what the clerk typed', () => {
    expect(toReclaim({ applicant_id_number: PERSON.toLowerCase(), applicant_name: '钱多多' }, ' 钱多多 ', '13900000002 ')).toEqual({
      account_type: 'person',
      id_number: PERSON,
      name: '钱多多',
      phone: '13900000002',
    })
    expect(toReclaim({ applicant_id_number: 'nonsense', applicant_name: 'x' }, 'x', '13900000002')).toBeNull()
  })

  it('asks about the document before either action', () => {
    expect(verifyConfirmMessage('person')).toContain('身份证件原件')
    expect(verifyConfirmMessage('person')).toContain('L3')
    expect(reclaimConfirmMessage('person')).toContain('冒用者的登录立即失效')
    expect(RESULT_TEXTS.reclaimed.slip).toBe('账号找回告知单')
  })

  it('maps the reclaim refusals', () => {
    expect(reclaimProblem(apiError({ status: 404, code: 'account_not_found' })).notFound).toBe(true)
    expect(reclaimProblem(apiError({ status: 422, code: 'identity_mismatch', errors: [{ field: 'name', message: 'x', code: 'identity_mismatch' }] })).name).toBe(RECLAIM_NAME_MISMATCH)
    expect(reclaimProblem(apiError({ status: 422, errors: [{ field: 'phone', message: "String should match pattern '^1'" }] })).phone).toBe('手机号码格式不正确')
  })
})

describe('registration refusals', () => {
  const form = emptyRegistration('person')
  const mapped = (e: unknown) => mapProblem(e, { fields: ['id_number', 'name', 'phone', 'password', 'confirm'] })

  it('puts a mismatch with the registry under 姓名, naming no one', () => {
    const mismatch = apiError({ status: 422, code: 'identity_mismatch', detail: 'the name does not match' })
    expect(registrationProblem(mismatch, form.kind, mapped(mismatch))).toEqual({ fields: { name: IDENTITY_MISMATCH }, general: '' })
  })

  it('says how long to wait when throttled or the registry is away', () => {
    const throttled = apiError({ status: 429, code: 'too_many_requests' }, 600)
    expect(registrationProblem(throttled, 'person', mapped(throttled)).general).toBe('注册过于频繁，请 10 分钟后再试')
    const away = apiError({ status: 503, code: 'unavailable' }, 30)
    expect(registrationProblem(away, 'person', mapped(away)).general).toBe('暂时无法核验身份信息，请 30 秒后再试')
  })
})

describe('网上办事账号: 现场核验身份 and 找回被冒用账号', () => {
  function card() {
    return mount(WalkInAccountCard, { props: { caseNo: '2026112500001', idNumber: PERSON, name: '钱多多' }, attachTo: document.body })
  }

  it('raises the account to L3 once the clerk confirms the document was checked', async () => {
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel').mockResolvedValueOnce(CONFIRMED)
    vi.mocked(api.verifyWalkInInPerson).mockResolvedValueOnce(account({ assurance_level: 3, identity_source: 'window' }))
    const wrapper = card()
    await button(wrapper, '现场核验身份').trigger('click')
    await flushPromises()
    expect(api.verifyWalkInInPerson).not.toHaveBeenCalled()
    await button(wrapper, '现场核验身份').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenLastCalledWith(verifyConfirmMessage('person'), '现场核验身份', expect.anything())
    expect(api.verifyWalkInInPerson).toHaveBeenCalledWith({ account_type: 'person', id_number: PERSON, name: '钱多多' })
    expect(wrapper.find('[data-testid="verified-level"]').text()).toBe('L3 现场核验或统一身份认证')
    wrapper.unmount()
  })

  it('says when there is no account to verify', async () => {
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValueOnce(CONFIRMED)
    vi.mocked(api.verifyWalkInInPerson).mockRejectedValueOnce(apiError({ status: 404, code: 'account_not_found' }))
    const wrapper = card()
    await button(wrapper, '现场核验身份').trigger('click')
    await flushPromises()
    expect(wrapper.find('[role="alert"]').text()).toContain('该申请人尚未注册网上账号')
    wrapper.unmount()
  })

  it('takes the account back with the owner\'s name and phone and shows the new initial password for the slip', async () => {
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue(CONFIRMED)
    const wrapper = card()
    await button(wrapper, '找回被冒用账号').trigger('click')
    await flushPromises()
    expect(document.querySelector('[role="dialog"]')!.getAttribute('aria-label')).toBe('找回被冒用的网上账号')
    expect((document.getElementById('reclaim-name') as HTMLInputElement).value).toBe('钱多多')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('请输入手机号码')
    expect(api.reclaimWalkInAccount).not.toHaveBeenCalled()

    vi.mocked(api.reclaimWalkInAccount).mockRejectedValueOnce(apiError({ status: 422, code: 'identity_mismatch', errors: [{ field: 'name', message: 'x', code: 'identity_mismatch' }] }))
    await wrapper.find('#walk-in-phone').setValue('13900000002')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe(RECLAIM_NAME_MISMATCH)

    vi.mocked(api.reclaimWalkInAccount).mockResolvedValueOnce({
      account: account({ phone: '13900000002', assurance_level: 3 }),
      initial_password: 'XyZ234567abc',
      must_change_password: true,
    })
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.reclaimWalkInAccount).toHaveBeenLastCalledWith({ account_type: 'person', id_number: PERSON, name: '钱多多', phone: '13900000002' })
    expect(document.querySelector('[data-testid="initial-password"]')!.textContent).toBe('XyZ234567abc')
    expect(document.querySelector('[data-testid="result-status"]')!.textContent).toContain('账号已找回')
    expect(document.querySelector('[data-testid="account-slip"]')!.textContent).toContain('网上办事账号账号找回告知单')
    wrapper.unmount()
  })
})

describe('实名认证 (/my/identity)', () => {
  async function page(query: Record<string, string> = {}, loa = 1, extra: Partial<api.Account> = {}) {
    const auth = useAuthStore()
    auth.adoptToken(token({ sub: 'a1', typ: 'person', name: '钱多多', idn: PERSON, loa }))
    vi.mocked(api.getMe).mockResolvedValue(account({ assurance_level: loa as api.AssuranceLevel, identity_source: 'registry', ...extra }))
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/my/identity', name: 'my-identity', component: MyIdentityView },
        { path: '/my/licenses', name: 'my-licenses', component: { template: '<div />' } },
      ],
    })
    await router.push({ path: '/my/identity', query })
    const wrapper = mount(MyIdentityView, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()
    return { wrapper, router, auth }
  }

  it('explains why the applicant came, raises by the code and goes back', async () => {
    const { wrapper, router, auth } = await page({ need: '2', current: '1', for: 'licenses', return: '/my/licenses' })
    expect(wrapper.find('[data-testid="assurance-required"]').text()).toContain('查看我的证照需要 L2 手机核验')
    expect(wrapper.find('[data-testid="assurance-level-tag"]').text()).toBe('L1 实名核验')
    expect(wrapper.find('[data-testid="oidc-raise"]').attributes('href')).toBe('/api/v1/auth/oidc/login?return_to=%2Fmy%2Flicenses')

    vi.mocked(api.requestPhoneCode).mockResolvedValueOnce({ phone_masked: '139****0001', expires_in: 300, resend_after: 60 })
    await wrapper.find('[data-testid="request-code"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="masked-phone"]').text()).toBe('139****0001')
    expect(wrapper.find('[data-testid="request-code"]').text()).toMatch(/重新获取（(60|59)秒）/)
    expect(wrapper.find('[data-testid="request-code"]').attributes('disabled')).toBeDefined()

    await wrapper.find('#identity-code').setValue('12345')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('请输入短信中的6位数字验证码')

    vi.mocked(api.verifyPhoneCode).mockRejectedValueOnce(apiError({ status: 422, code: 'code_invalid', errors: [{ field: 'code', message: 'x', code: 'code_invalid' }] }))
    await wrapper.find('#identity-code').setValue('123456')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('验证码不正确，请核对短信后重新输入')

    const raised = token({ sub: 'a1', typ: 'person', name: '钱多多', idn: PERSON, loa: 2 })
    vi.mocked(api.verifyPhoneCode).mockResolvedValueOnce({ assurance_level: 2, access_token: raised, token_type: 'bearer', expires_in: 1800 })
    vi.mocked(api.getMe).mockResolvedValue(account({ assurance_level: 2, identity_source: 'phone' }))
    await wrapper.find('#identity-code').setValue('654321')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.verifyPhoneCode).toHaveBeenLastCalledWith('654321')
    expect(auth.token).toBe(raised)
    expect(sessionStorage.getItem('gov.portal.token')).toBe(raised)
    expect(auth.assuranceLevel).toBe(2)
    expect(router.currentRoute.value.path).toBe('/my/licenses')
    wrapper.unmount()
  })

  it('sends an account the registry has no phone for to a window or 统一身份认证', async () => {
    const { wrapper } = await page({}, 1, { identity_source: 'unlisted' })
    expect(wrapper.find('[data-testid="request-code"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="no-registry-phone"]').text()).toContain('政务服务窗口')
    wrapper.unmount()
  })

  it('says so when the registry has no phone after all (409), and how long to wait when throttled (429)', async () => {
    const { wrapper } = await page()
    vi.mocked(api.requestPhoneCode).mockRejectedValueOnce(apiError({ status: 429, code: 'too_many_requests' }, 40))
    await wrapper.find('[data-testid="request-code"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[role="alert"]').text()).toBe('获取验证码过于频繁，请 40 秒后再试')
    expect(wrapper.find('[data-testid="request-code"]').text()).toMatch(/重新获取（(40|39)秒）/)
    wrapper.unmount()

    const again = await page()
    vi.mocked(api.requestPhoneCode).mockRejectedValueOnce(apiError({ status: 409, code: 'no_registry_phone' }))
    await again.wrapper.find('[data-testid="request-code"]').trigger('click')
    await flushPromises()
    expect(again.wrapper.find('[data-testid="no-registry-phone"]').exists()).toBe(true)
    again.wrapper.unmount()
  })
})

describe('sign-in', () => {
  async function at(path: string, component: unknown) {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', name: 'login', component: LoginView },
        { path: '/login/oidc', name: 'login-oidc', component: OidcCallbackView },
        { path: '/register', name: 'register', component: { template: '<div />' } },
        { path: '/my/cases', name: 'my-cases', component: { template: '<div />' } },
        { path: '/my/licenses', name: 'my-licenses', component: { template: '<div />' } },
        { path: '/review', name: 'worklist', component: { template: '<div />' } },
      ],
    })
    await router.push(path)
    const wrapper = mount(component as never, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()
    return { wrapper, router }
  }

  it('offers 统一身份认证 when the gateway says it is enabled, keeping the way back', async () => {
    const { wrapper } = await at('/login?redirect=/my/licenses', LoginView)
    const link = wrapper.find('[data-testid="oidc-login"]')
    expect(link.text()).toBe('使用统一身份认证登录')
    expect(link.attributes('href')).toBe('/api/v1/auth/oidc/login?return_to=%2Fmy%2Flicenses')
    expect(wrapper.text()).toContain('浙江政务服务网统一身份认证')
    wrapper.unmount()
  })

  it('keeps the token from the fragment, clears it and goes where the sign-in began', async () => {
    const value = token({ sub: 'a1', typ: 'person', name: '钱多多', idn: PERSON, loa: 3 })
    window.history.replaceState(null, '', `/login/oidc#access_token=${value}&expires_in=1800&return_to=%2Fmy%2Flicenses`)
    const { wrapper, router } = await at('/login/oidc', OidcCallbackView)
    await flushPromises()
    expect(sessionStorage.getItem('gov.portal.token')).toBe(value)
    expect(window.location.hash).toBe('')
    expect(router.currentRoute.value.path).toBe('/my/licenses')
    expect(useAuthStore().assuranceLevel).toBe(3)
    wrapper.unmount()
  })

  it('says why when the fragment carries no token', async () => {
    window.history.replaceState(null, '', '/login/oidc#error=access_denied')
    const { wrapper } = await at('/login/oidc', OidcCallbackView)
    expect(wrapper.find('[data-testid="oidc-error"]').text()).toContain('您已取消统一身份认证登录')
    expect(sessionStorage.getItem('gov.portal.token')).toBeNull()
    wrapper.unmount()
  })

  it('asks a staff member for the 动态验证码 and retries with it', async () => {
    const staff = { access_token: token({ sub: 's1', typ: 'staff', name: '审批员', roles: ['reviewer'] }), token_type: 'bearer' as const, expires_in: 1800 }
    vi.mocked(api.login).mockRejectedValueOnce(apiError({ status: 401, code: 'totp_required' })).mockResolvedValueOnce(staff)
    const { wrapper, router } = await at('/login', LoginView)
    await wrapper.find('#login-username').setValue('reviewer')
    await wrapper.find('#login-password').setValue('demo12345')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('#login-totp').exists()).toBe(true)
    await wrapper.find('#login-totp').setValue('123 456')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.login).toHaveBeenLastCalledWith('reviewer', 'demo12345', '123456')
    expect(router.currentRoute.value.path).toBe('/review')
    wrapper.unmount()
  })

  it('enrols a staff member without a second factor: QR code, secret, confirmation', async () => {
    vi.mocked(api.login).mockRejectedValueOnce(apiError({ status: 403, code: 'totp_enrolment_required' }))
    vi.mocked(api.enrolTotp).mockResolvedValueOnce({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/%E7%A4%BA%E8%8C%83%E5%8E%BF:reviewer?secret=JBSWY3DPEHPK3PXP&issuer=%E7%A4%BA%E8%8C%83%E5%8E%BF' })
    vi.mocked(api.confirmTotp).mockResolvedValueOnce()
    const { wrapper } = await at('/login', LoginView)
    await wrapper.find('#login-username').setValue('reviewer')
    await wrapper.find('#login-password').setValue('demo12345')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.enrolTotp).toHaveBeenCalledWith({ username: 'reviewer', password: 'demo12345' })
    expect(document.querySelector('[data-testid="totp-secret"]')!.textContent).toBe('JBSW Y3DP EHPK 3PXP')
    expect(document.querySelector('[data-testid="totp-qr"]')!.getAttribute('src')).toMatch(/^data:image\/png;base64,/)
    const code = document.getElementById('totp-confirm-code') as HTMLInputElement
    code.value = '654321'
    code.dispatchEvent(new Event('input'))
    document.querySelector<HTMLFormElement>('.el-dialog form')!.dispatchEvent(new Event('submit'))
    await settle()
    expect(api.confirmTotp).toHaveBeenCalledWith({ username: 'reviewer', password: 'demo12345', code: '654321' })
    await settle()
    expect(wrapper.find('#login-totp').exists()).toBe(true)
    wrapper.unmount()
  })
})
