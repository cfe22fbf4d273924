/** 窗口代为注册 (docs/walk-in-accounts.md): the clerk opens a walk-in applicant's account, and the
 * applicant replaces the initial password at the first log-in; 窗口重置密码: the clerk resets the
 * password of an applicant who already has an account. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { ElMessageBox } from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import * as api from '@/api'
import { ApiError, type Problem } from '@/api'
import { checkNewPassword, isPasswordChangeRequired, passwordChangeProblem } from '@/lib/passwordChange'
import {
  ACCOUNT_EXISTS_MESSAGE,
  ACCOUNT_NOT_FOUND_MESSAGE,
  accountNumberOf,
  applicantTypeOf,
  checkPhone,
  passwordResetProblem,
  resetConfirmMessage,
  RESULT_TEXTS,
  SLIP_PRINT_CLASS,
  toPasswordReset,
  toWalkInAccount,
  walkInProblem,
} from '@/lib/walkInAccount'
import LoginView from '@/views/auth/LoginView.vue'
import WalkInAccountCard from '@/views/clerk/WalkInAccountCard.vue'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return { ...actual, openWalkInAccount: vi.fn(), resetWalkInPassword: vi.fn(), changePassword: vi.fn(), login: vi.fn(), getOidcStatus: vi.fn(async () => ({ enabled: false })) }
})

const PERSON = '33012219920202001X'
const ENTITY = '91330122MA28D0K3XN'

function apiError(problem: Partial<Problem> & { status: number }): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Error', ...problem })
}

const EXISTS = apiError({
  status: 409,
  detail: 'an account with this identity number already exists',
  code: 'account_exists',
  errors: [{ field: 'id_number', message: 'an account with this identity number already exists', code: 'account_exists' }],
})
const NOT_FOUND = apiError({
  status: 404,
  title: 'Not Found',
  detail: 'no account with this identity number',
  code: 'account_not_found',
  errors: [{ field: 'id_number', message: 'no account with this identity number', code: 'account_not_found' }],
})
const MUST_CHANGE = apiError({
  status: 403,
  title: 'Forbidden',
  detail: 'the initial password given at the window must be replaced before the first log-in',
  code: 'password_change_required',
})

describe('the walk-in account request', () => {
  it('checks the phone as the gateway does', () => {
    expect(checkPhone('')).toBe('请输入手机号码')
    expect(checkPhone('  ')).toBe('请输入手机号码')
    expect(checkPhone('12345678901')).toBe('请输入正确的11位手机号码')
    expect(checkPhone('1390000000')).toBe('请输入正确的11位手机号码')
    expect(checkPhone('139000000012')).toBe('请输入正确的11位手机号码')
    expect(checkPhone(' 13900000001 ')).toBeNull()
  })

  it('tells a person from an entity by the number the case was filed under', () => {
    expect(applicantTypeOf(PERSON)).toBe('person')
    expect(applicantTypeOf(PERSON.toLowerCase())).toBe('person')
    expect(applicantTypeOf(ENTITY)).toBe('entity')
    expect(applicantTypeOf('330122199202020011')).toBeNull()
    expect(applicantTypeOf('')).toBeNull()
  })

  it('builds the body: id_number for a person, uscc for an entity', () => {
    expect(toWalkInAccount({ applicant_id_number: PERSON.toLowerCase(), applicant_name: ' 钱多多 ' }, ' 13900000001')).toEqual({
      account_type: 'person',
      id_number: PERSON,
      name: '钱多多',
      phone: '13900000001',
    })
    expect(toWalkInAccount({ applicant_id_number: ENTITY, applicant_name: '示范茶业有限公司' }, '13900000002')).toEqual({
      account_type: 'entity',
      uscc: ENTITY,
      name: '示范茶业有限公司',
      phone: '13900000002',
    })
    expect(toWalkInAccount({ applicant_id_number: 'X', applicant_name: '某人' }, '13900000001')).toBeNull()
  })

  it('takes the applicant type the case detail gives over the one read from the number', () => {
    // An unrecognised number with the case's own type is still sent, for the gateway to judge.
    expect(toWalkInAccount({ applicant_id_number: 'X', applicant_name: '某人', applicant_type: 'entity' }, '13900000001')).toEqual({
      account_type: 'entity',
      uscc: 'X',
      name: '某人',
      phone: '13900000001',
    })
  })

  it('says when the applicant already has an account, and puts the phone\'s 422 next to it', () => {
    expect(walkInProblem(EXISTS)).toEqual({ exists: true, phone: '', general: '' })
    const badPhone = apiError({
      status: 422,
      detail: 'Invalid input: phone',
      errors: [{ field: 'phone', message: "String should match pattern '^1[3-9]\\d{9}$'", code: 'string_pattern_mismatch' }],
    })
    expect(walkInProblem(badPhone)).toEqual({ exists: false, phone: '手机号码格式不正确', general: '' })
    const badNumber = apiError({ status: 422, errors: [{ field: 'id_number', message: 'not a valid resident identity number', code: 'resident_id_invalid' }] })
    expect(walkInProblem(badNumber).general).toBe('居民身份证号码无效，请核对地区码、出生日期和校验位')
    expect(walkInProblem(apiError({ status: 403, detail: 'forbidden' })).general).toBe('您没有权限进行此操作')
  })
})

describe('the password reset request', () => {
  it('names the account by its kind and number only, normalised when valid', () => {
    expect(toPasswordReset({ applicant_id_number: PERSON.toLowerCase(), applicant_name: '钱多多' })).toEqual({ account_type: 'person', id_number: PERSON })
    expect(toPasswordReset({ applicant_id_number: ENTITY, applicant_name: '示范茶业有限公司' })).toEqual({ account_type: 'entity', uscc: ENTITY })
    expect(toPasswordReset({ applicant_id_number: 'X', applicant_name: '某人', applicant_type: 'person' })).toEqual({ account_type: 'person', id_number: 'X' })
    expect(toPasswordReset({ applicant_id_number: 'X', applicant_name: '某人' })).toBeNull()
    expect(accountNumberOf({ applicant_id_number: ENTITY, applicant_name: '' })).toEqual({ account_type: 'entity', uscc: ENTITY })
  })

  it('asks the clerk to confirm the original document was checked', () => {
    expect(resetConfirmMessage('person')).toBe('确认已核验申请人身份证件原件，并为其重置登录密码？')
    expect(resetConfirmMessage(null)).toBe('确认已核验申请人身份证件原件，并为其重置登录密码？')
    expect(resetConfirmMessage('entity')).toContain('营业执照')
    expect(resetConfirmMessage('entity')).toContain('重置登录密码？')
  })

  it('says when there is no account to reset, and maps the other refusals', () => {
    expect(passwordResetProblem(NOT_FOUND)).toEqual({ notFound: true, general: ACCOUNT_NOT_FOUND_MESSAGE })
    expect(passwordResetProblem(apiError({ status: 404, code: 'account_not_found' }))).toEqual({ notFound: true, general: '该申请人尚未注册网上账号' })
    // A 404 without the code (a route the gateway lacks) is not taken for a missing account.
    expect(passwordResetProblem(apiError({ status: 404, detail: 'Not Found' }))).toEqual({ notFound: false, general: '未找到相关信息' })
    expect(passwordResetProblem(apiError({ status: 403, detail: 'forbidden' }))).toEqual({ notFound: false, general: '您没有权限进行此操作' })
    const badNumber = apiError({ status: 422, errors: [{ field: 'id_number', message: 'not a valid resident identity number', code: 'resident_id_invalid' }] })
    expect(passwordResetProblem(badNumber).general).toBe('居民身份证号码无效，请核对地区码、出生日期和校验位')
  })

  it('words the result and the slip for a reset apart from a new account', () => {
    expect(RESULT_TEXTS.opened.status).toBe('网上账号已开通')
    expect(RESULT_TEXTS.opened.slip).toBe('开户告知单')
    expect(RESULT_TEXTS.reset.status).toContain('密码已重置')
    expect(RESULT_TEXTS.reset.slip).toBe('密码重置告知单')
    expect(RESULT_TEXTS.reset.note).toContain('只显示这一次')
    expect(RESULT_TEXTS.reset.note).toContain('原密码已失效')
  })
})

describe('the new password at the first log-in', () => {
  it('recognises the refusal that asks for a new password', () => {
    expect(isPasswordChangeRequired(MUST_CHANGE)).toBe(true)
    expect(isPasswordChangeRequired(apiError({ status: 403, code: 'forbidden' }))).toBe(false)
    expect(isPasswordChangeRequired(apiError({ status: 401, detail: 'wrong user name or password' }))).toBe(false)
    expect(isPasswordChangeRequired(new Error('x'))).toBe(false)
  })

  it('checks length, confirmation and difference from the initial password', () => {
    expect(checkNewPassword({ password: '', confirm: '' })).toEqual({ new_password: '请设置新密码', confirm: '请再次输入新密码' })
    expect(checkNewPassword({ password: 'short', confirm: 'short' })).toEqual({ new_password: '新密码至少8位' })
    expect(checkNewPassword({ password: 'x'.repeat(129), confirm: 'x'.repeat(129) })).toEqual({ new_password: '新密码最多128位' })
    expect(checkNewPassword({ password: 'secret-123456', confirm: 'secret-12345' })).toEqual({ confirm: '两次输入的密码不一致' })
    expect(checkNewPassword({ password: 'Initial12345', confirm: 'Initial12345' }, 'Initial12345')).toEqual({ new_password: '新密码不能与初始密码相同' })
    expect(checkNewPassword({ password: 'secret-123456', confirm: 'secret-123456' }, 'Initial12345')).toEqual({})
  })

  it('maps the gateway\'s refusals of the change', () => {
    const unchanged = apiError({
      status: 422,
      code: 'password_unchanged',
      errors: [{ field: 'new_password', message: 'the new password must differ from the current one', code: 'password_unchanged' }],
    })
    expect(passwordChangeProblem(unchanged)).toEqual({ newPassword: '新密码不能与初始密码相同', wrongPassword: '', general: '' })
    const short = apiError({ status: 422, errors: [{ field: 'new_password', message: 'String should have at least 8 characters', code: 'string_too_short' }] })
    expect(passwordChangeProblem(short).newPassword).toBe('新密码至少需要8个字符')
    expect(passwordChangeProblem(apiError({ status: 401, detail: 'wrong user name or password' }))).toEqual({ newPassword: '', wrongPassword: '用户名或密码错误', general: '' })
    const throttled = apiError({ status: 429, detail: 'too many failed log-ins from this account; try again in 300 seconds' })
    expect(passwordChangeProblem(throttled).general).toContain('登录失败次数过多')
  })
})

/** Element Plus shows a form item's error 100 ms after it is set. */
async function settle(): Promise<void> {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 120))
  await flushPromises()
}

function button(wrapper: VueWrapper, text: string) {
  const found = wrapper.findAll('button').find((b) => b.text() === text)
  if (!found) throw new Error(`no button ${text}`)
  return found
}

describe('网上办事账号 on the clerk\'s case page', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    // The mocked API keeps its calls across tests (restoreMocks restores spies only).
    vi.mocked(api.openWalkInAccount).mockClear()
    vi.mocked(api.resetWalkInPassword).mockClear()
  })
  afterEach(() => {
    document.body.classList.remove(SLIP_PRINT_CLASS)
    document.body.innerHTML = ''
  })

  async function opened() {
    const wrapper = mount(WalkInAccountCard, { props: { caseNo: '2026112500001', idNumber: PERSON, name: '钱多多' }, attachTo: document.body })
    await button(wrapper, '为申请人开通网上账号').trigger('click')
    await flushPromises()
    return wrapper
  }

  it('checks the phone before asking, then shows the login name and the initial password once', async () => {
    const wrapper = await opened()
    const dialog = document.querySelector('[role="dialog"]')!
    expect(dialog.getAttribute('aria-label')).toBe('为申请人开通网上账号')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('请输入手机号码')
    await wrapper.find('#walk-in-phone').setValue('12345678901')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('请输入正确的11位手机号码')
    expect(api.openWalkInAccount).not.toHaveBeenCalled()

    vi.mocked(api.openWalkInAccount).mockResolvedValueOnce({
      account: { id: 'a1', account_type: 'person', username: PERSON, name: '钱多多', phone: '13900000001', roles: [], department_code: null, assurance_level: null, identity_source: null },
      initial_password: 'AbCdEf234567',
      must_change_password: true,
    })
    await wrapper.find('#walk-in-phone').setValue('13900000001')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.openWalkInAccount).toHaveBeenCalledWith({ account_type: 'person', id_number: PERSON, name: '钱多多', phone: '13900000001' })
    expect(wrapper.get('[data-testid="account-username"]').text()).toBe(PERSON)
    expect(wrapper.get('[data-testid="initial-password"]').text()).toBe('AbCdEf234567')
    expect(wrapper.get('[data-testid="initial-password-note"]').text()).toContain('只显示这一次')

    // The slip is printed alone: the body says so while printing.
    const print = vi.spyOn(window, 'print').mockImplementation(() => {})
    await button(wrapper, '打印开户告知单').trigger('click')
    expect(print).toHaveBeenCalledOnce()
    expect(document.body.classList.contains(SLIP_PRINT_CLASS)).toBe(true)
    const slip = document.querySelector('[data-testid="account-slip"]')!
    expect(slip.parentElement).toBe(document.body)
    expect(slip.textContent).toContain('网上办事账号开户告知单')
    expect(slip.textContent).toContain('AbCdEf234567')
    window.dispatchEvent(new Event('afterprint'))
    expect(document.body.classList.contains(SLIP_PRINT_CLASS)).toBe(false)

    // Closed: the password is gone from the page, the card names the account.
    await button(wrapper, '完成').trigger('click')
    await flushPromises()
    wrapper.findComponent({ name: 'ElDialog' }).vm.$emit('closed')
    await flushPromises()
    expect(document.querySelector('[data-testid="account-slip"]')).toBeNull()
    expect(wrapper.get('[data-testid="account-opened"]').text()).toContain(PERSON)
    expect(wrapper.text()).not.toContain('AbCdEf234567')
    wrapper.unmount()
  })

  it('asks before closing when the slip was not printed (the password is shown once)', async () => {
    const wrapper = await opened()
    vi.mocked(api.openWalkInAccount).mockResolvedValueOnce({
      account: { id: 'a2', account_type: 'person', username: PERSON, name: '钱多多', phone: '13900000001', roles: [], department_code: null, assurance_level: null, identity_source: null },
      initial_password: 'XyZw23456789',
      must_change_password: true,
    })
    await wrapper.find('#walk-in-phone').setValue('13900000001')
    await wrapper.find('form').trigger('submit')
    await settle()
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel').mockResolvedValueOnce({ value: '', action: 'confirm' } as unknown as Awaited<ReturnType<typeof ElMessageBox.confirm>>)
    await button(wrapper, '完成').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledOnce()
    expect(confirm.mock.calls[0]![0]).toContain('初始密码只显示这一次')
    expect(wrapper.get('[data-testid="initial-password"]').text()).toBe('XyZw23456789') // still open
    await button(wrapper, '完成').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledTimes(2)
    expect(wrapper.findComponent({ name: 'ElDialog' }).props('modelValue')).toBe(false)
    wrapper.unmount()
  })

  it('says when the applicant already has an account, and shows the API\'s phone error next to it', async () => {
    const wrapper = await opened()
    vi.mocked(api.openWalkInAccount).mockRejectedValueOnce(EXISTS)
    await wrapper.find('#walk-in-phone').setValue('13900000001')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.get('[data-testid="account-exists"]').text()).toContain(ACCOUNT_EXISTS_MESSAGE)
    expect(wrapper.find('[data-testid="initial-password"]').exists()).toBe(false)

    vi.mocked(api.openWalkInAccount).mockRejectedValueOnce(
      apiError({ status: 422, errors: [{ field: 'phone', message: "String should match pattern '^1[3-9]\\d{9}$'", code: 'string_pattern_mismatch' }] }),
    )
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('[data-testid="account-exists"]').exists()).toBe(false)
    expect(wrapper.find('.el-form-item__error').text()).toBe('手机号码格式不正确')
    wrapper.unmount()
  })

  type Confirmed = Awaited<ReturnType<typeof ElMessageBox.confirm>>
  const CONFIRMED = { value: '', action: 'confirm' } as unknown as Confirmed

  async function refused(): Promise<VueWrapper> {
    const wrapper = await opened()
    vi.mocked(api.openWalkInAccount).mockRejectedValueOnce(EXISTS)
    await wrapper.find('#walk-in-phone').setValue('13900000001')
    await wrapper.find('form').trigger('submit')
    await settle()
    return wrapper
  }

  it('offers to reset the password of an applicant who has an account, after confirming the document was checked', async () => {
    const wrapper = await refused()
    expect(wrapper.get('[data-testid="account-exists"]').text()).toContain(ACCOUNT_EXISTS_MESSAGE)
    const offer = wrapper.get('[data-testid="password-reset-offer"]')
    expect(offer.text()).toContain('忘记登录密码')
    expect(offer.text()).toContain('身份证件原件')
    const resetButton = button(wrapper, '重置登录密码')
    expect(resetButton.attributes('aria-describedby')).toBe('password-reset-hint')
    expect(document.getElementById('password-reset-hint')).not.toBeNull()

    // Not confirmed: nothing is sent.
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel').mockResolvedValueOnce(CONFIRMED)
    await resetButton.trigger('click')
    await settle()
    expect(confirm).toHaveBeenCalledOnce()
    expect(confirm.mock.calls[0]![0]).toBe('确认已核验申请人身份证件原件，并为其重置登录密码？')
    expect(confirm.mock.calls[0]![1]).toBe('重置登录密码')
    expect(api.resetWalkInPassword).not.toHaveBeenCalled()

    vi.mocked(api.resetWalkInPassword).mockResolvedValueOnce({
      account: { id: 'a1', account_type: 'person', username: PERSON, name: '钱多多', phone: '13900000009', roles: [], department_code: null, assurance_level: null, identity_source: null },
      initial_password: 'NeWpAss23456',
      must_change_password: true,
    })
    await button(wrapper, '重置登录密码').trigger('click')
    await settle()
    expect(api.resetWalkInPassword).toHaveBeenCalledWith({ account_type: 'person', id_number: PERSON })
    expect(api.openWalkInAccount).toHaveBeenCalledOnce()
    expect(document.querySelector('[role="dialog"]')!.getAttribute('aria-label')).toBe('为申请人重置登录密码')
    expect(wrapper.get('[data-testid="result-status"]').text()).toContain('密码已重置')
    expect(wrapper.get('[data-testid="account-username"]').text()).toBe(PERSON)
    expect(wrapper.get('[data-testid="initial-password"]').text()).toBe('NeWpAss23456')
    expect(wrapper.get('[data-testid="initial-password-note"]').text()).toContain('只显示这一次')
    expect(wrapper.find('[data-testid="account-exists"]').exists()).toBe(false)

    // The slip says it is a reset.
    const print = vi.spyOn(window, 'print').mockImplementation(() => {})
    await button(wrapper, '打印密码重置告知单').trigger('click')
    expect(print).toHaveBeenCalledOnce()
    const slip = document.querySelector('[data-testid="account-slip"]')!
    expect(slip.textContent).toContain('网上办事账号密码重置告知单')
    expect(slip.textContent).toContain('重置时间')
    expect(slip.textContent).toContain('原登录密码已失效')
    expect(slip.textContent).toContain('NeWpAss23456')
    window.dispatchEvent(new Event('afterprint'))

    // Closed: the password is gone, the card says the password was reset.
    await button(wrapper, '完成').trigger('click')
    await flushPromises()
    wrapper.findComponent({ name: 'ElDialog' }).vm.$emit('closed')
    await flushPromises()
    expect(wrapper.get('[data-testid="password-reset-done"]').text()).toContain(PERSON)
    expect(wrapper.find('[data-testid="account-opened"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('NeWpAss23456')
    wrapper.unmount()
  })

  it('asks before closing an unprinted reset slip, naming it', async () => {
    const wrapper = await refused()
    vi.mocked(api.resetWalkInPassword).mockResolvedValueOnce({
      account: { id: 'a1', account_type: 'person', username: PERSON, name: '钱多多', phone: '13900000009', roles: [], department_code: null, assurance_level: null, identity_source: null },
      initial_password: 'NeWpAss23456',
      must_change_password: true,
    })
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockResolvedValueOnce(CONFIRMED).mockRejectedValueOnce('cancel')
    await button(wrapper, '重置登录密码').trigger('click')
    await settle()
    await button(wrapper, '完成').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledTimes(2)
    expect(confirm.mock.calls[1]![0]).toContain('密码重置告知单')
    expect(wrapper.get('[data-testid="initial-password"]').text()).toBe('NeWpAss23456')
    wrapper.unmount()
  })

  it('says when there is no account to reset, and shows other refusals', async () => {
    const wrapper = await refused()
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue(CONFIRMED)
    vi.mocked(api.resetWalkInPassword).mockRejectedValueOnce(apiError({ status: 403, detail: 'forbidden' }))
    await button(wrapper, '重置登录密码').trigger('click')
    await settle()
    expect(wrapper.text()).toContain('您没有权限进行此操作')
    expect(wrapper.find('[data-testid="password-reset-offer"]').exists()).toBe(true) // may be tried again

    vi.mocked(api.resetWalkInPassword).mockRejectedValueOnce(NOT_FOUND)
    await button(wrapper, '重置登录密码').trigger('click')
    await settle()
    expect(wrapper.text()).toContain(ACCOUNT_NOT_FOUND_MESSAGE)
    expect(wrapper.text()).not.toContain('您没有权限进行此操作')
    expect(wrapper.find('[data-testid="account-exists"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="password-reset-offer"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="initial-password"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('resets an entity\'s password by its credit code, asking about the licence', async () => {
    const wrapper = mount(WalkInAccountCard, { props: { caseNo: '2026112500002', idNumber: ENTITY, name: '示范茶业有限公司' }, attachTo: document.body })
    await button(wrapper, '为申请人开通网上账号').trigger('click')
    await flushPromises()
    vi.mocked(api.openWalkInAccount).mockRejectedValueOnce(apiError({ ...EXISTS.problem, errors: [{ field: 'uscc', message: 'exists', code: 'account_exists' }] }))
    await wrapper.find('#walk-in-phone').setValue('13900000001')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.get('[data-testid="password-reset-offer"]').text()).toContain('营业执照')
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel')
    await button(wrapper, '重置登录密码').trigger('click')
    await settle()
    expect(confirm.mock.calls[0]![0]).toContain('营业执照')
    expect(api.resetWalkInPassword).not.toHaveBeenCalled()
    wrapper.unmount()
  })
})

describe('首次登录: the log-in page asks for a new password', () => {
  function token(claims: object): string {
    const encode = (value: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value)))).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
    return `${encode({ alg: 'EdDSA' })}.${encode(claims)}.c2ln`
  }
  const APPLICANT_TOKEN = { access_token: token({ sub: 'a1', typ: 'person', name: '钱多多', roles: [], exp: 4_000_000_000 }), token_type: 'bearer' as const, expires_in: 3600 }

  beforeEach(() => {
    setActivePinia(createPinia())
    sessionStorage.clear()
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  async function loginPage() {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', name: 'login', component: LoginView },
        { path: '/register', name: 'register', component: { template: '<div />' } },
        { path: '/my/cases', name: 'my-cases', component: { template: '<div />' } },
      ],
    })
    await router.push('/login')
    const wrapper = mount(LoginView, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()
    await wrapper.find('#login-username').setValue(PERSON)
    await wrapper.find('#login-password').setValue('AbCdEf234567')
    await wrapper.find('form').trigger('submit')
    await settle()
    return { wrapper, router }
  }

  it('sets the new password, then logs in with it', async () => {
    vi.mocked(api.login).mockRejectedValueOnce(MUST_CHANGE).mockResolvedValueOnce(APPLICANT_TOKEN)
    vi.mocked(api.changePassword).mockResolvedValueOnce()
    const { wrapper, router } = await loginPage()
    expect(wrapper.get('h1').text()).toBe('首次登录，请设置新密码')
    expect(wrapper.find('#login-password').exists()).toBe(false)
    expect(document.activeElement?.id).toBe('login-new-password')
    const labels = wrapper.findAll('label').map((l) => [l.text(), l.attributes('for')])
    expect(labels).toEqual([
      ['新密码', 'login-new-password'],
      ['确认新密码', 'login-confirm-password'],
    ])

    // Checked here first: too short, not confirmed, the same as the initial one.
    await wrapper.find('#login-new-password').setValue('short')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.findAll('.el-form-item__error').map((e) => e.text())).toEqual(['新密码至少8位', '请再次输入新密码'])
    await wrapper.find('#login-new-password').setValue('AbCdEf234567')
    await wrapper.find('#login-confirm-password').setValue('AbCdEf234567')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.findAll('.el-form-item__error').map((e) => e.text())).toEqual(['新密码不能与初始密码相同'])
    expect(api.changePassword).not.toHaveBeenCalled()

    await wrapper.find('#login-new-password').setValue('secret-123456')
    await wrapper.find('#login-confirm-password').setValue('secret-123456')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.changePassword).toHaveBeenCalledWith({ username: PERSON, current_password: 'AbCdEf234567', new_password: 'secret-123456' })
    expect(api.login).toHaveBeenLastCalledWith(PERSON, 'secret-123456')
    expect(router.currentRoute.value.path).toBe('/my/cases')
    wrapper.unmount()
  })

  it('shows the API\'s refusal next to the new password, and a wrong current password on the log-in', async () => {
    vi.mocked(api.login).mockRejectedValueOnce(MUST_CHANGE)
    vi.mocked(api.changePassword)
      .mockRejectedValueOnce(apiError({ status: 422, code: 'password_unchanged', errors: [{ field: 'new_password', message: 'the new password must differ from the current one', code: 'password_unchanged' }] }))
      .mockRejectedValueOnce(apiError({ status: 401, detail: 'wrong user name or password' }))
    const { wrapper, router } = await loginPage()
    await wrapper.find('#login-new-password').setValue('secret-123456')
    await wrapper.find('#login-confirm-password').setValue('secret-123456')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('新密码不能与初始密码相同')

    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.get('h1').text()).toBe('登录')
    expect(wrapper.find('.el-form-item__error').text()).toBe('用户名或密码错误')
    expect((wrapper.find('#login-username').element as HTMLInputElement).value).toBe(PERSON)
    expect(router.currentRoute.value.path).toBe('/login')
    wrapper.unmount()
  })

  it('keeps a wrong password on the log-in form', async () => {
    vi.mocked(api.login).mockRejectedValueOnce(apiError({ status: 401, detail: 'wrong user name or password' }))
    const { wrapper } = await loginPage()
    expect(wrapper.get('h1').text()).toBe('登录')
    expect(wrapper.find('.el-form-item__error').text()).toBe('用户名或密码错误')
    wrapper.unmount()
  })
})
