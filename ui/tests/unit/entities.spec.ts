/** Legal persons (docs/identity.md, "Legal persons"): the labels, the checks, the Chinese for each
 * refusal, the `act` claim, and switching between the person's session and the entity's. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import * as api from '@/api'
import { ApiError, type Problem } from '@/api'
import {
  actingLabel,
  actingPersonText,
  actorOf,
  agentStatusLabel,
  checkAgentForm,
  checkEntityCode,
  ENTITY_PROBLEMS,
  entityProblem,
  entityRoleLabel,
  PERSON_TOKEN_KEY,
  startActing,
  stopActing,
  toAgentIn,
  TOKEN_KEY,
} from '@/lib/entities'
import { kindLabel, notificationLinks } from '@/lib/notifications'
import { useActingStore } from '@/stores/acting'
import { useAuthStore } from '@/stores/auth'
import MyEntitiesView from '@/views/applicant/MyEntitiesView.vue'
import EntityRegistrationNotice from '@/views/auth/EntityRegistrationNotice.vue'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return { ...actual, actAs: vi.fn(), openEntity: vi.fn(), listMyEntities: vi.fn(), login: vi.fn(), getMe: vi.fn() }
})

const ENTITY = '91330122MA28D0K3XN'
const PERSON = '33012219920202001X'

function token(claims: object): string {
  const encode = (value: object) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
  return `${encode({ alg: 'EdDSA', typ: 'JWT' })}.${encode(claims)}.signature`
}

const future = () => Math.floor(Date.now() / 1000) + 3600
const personToken = (name = '钱多多') => token({ sub: 'p-1', typ: 'person', name, idn: PERSON, roles: [], exp: future(), loa: 2 })
const entityToken = (entity = '桐庐富春江茶业有限公司', person = '钱多多') =>
  token({ sub: 'e-1', typ: 'entity', name: entity, idn: ENTITY, roles: [], exp: future(), loa: 2, act: { sub: 'p-1', idn: PERSON, name: person, tgen: '0' } })

async function settle(): Promise<void> {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 120))
  await flushPromises()
}

function apiError(problem: Partial<Problem> & { status: number }): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Error', ...problem })
}

function refusal(status: number, code: string, field?: string, extra: Record<string, unknown> = {}): ApiError {
  return apiError({
    status,
    detail: `english detail of ${code}`,
    code,
    ...(field ? { errors: [{ field, message: `english detail of ${code}`, code }] } : {}),
    ...extra,
  })
}

describe('labels', () => {
  it('names the roles, the agents’ status and who acts for whom in Chinese', () => {
    expect(entityRoleLabel('representative')).toBe('法定代表人')
    expect(entityRoleLabel('agent')).toBe('经办人')
    expect(agentStatusLabel({ revoked_at: null })).toBe('有效')
    expect(agentStatusLabel({ revoked_at: '2026-12-04T10:00:00Z' })).toBe('已撤销')
    expect(actingLabel('钱多多', '桐庐富春江茶业有限公司')).toBe('钱多多 代表 桐庐富春江茶业有限公司')
    expect(actingPersonText('钱多多', '330122********001X')).toBe('钱多多（330122********001X）')
    expect(actingPersonText('钱多多', '')).toBe('钱多多')
  })

  it('labels the agent_granted notification and links it to 我的单位', () => {
    expect(kindLabel('agent_granted')).toBe('单位授权')
    expect(notificationLinks({ kind: 'agent_granted', case_no: null, license_no: null })).toEqual([
      { label: '查看我的单位', to: { name: 'my-entities' } },
    ])
    expect(notificationLinks({ case_no: null, license_no: null })).toEqual([])
  })
})

describe('the forms', () => {
  it('checks the credit code as GB 32100 does', () => {
    expect(checkEntityCode(ENTITY)).toEqual({ ok: true, value: ENTITY })
    expect(checkEntityCode(' 91330122ma28d0k3xn ')).toEqual({ ok: true, value: ENTITY })
    expect(checkEntityCode('91330122MA28D0K3XM')).toEqual({ ok: false, message: '校验码不正确，请核对代码' })
    expect(checkEntityCode('')).toEqual({ ok: false, message: '请输入统一社会信用代码' })
  })

  it('checks the agent’s ID number (GB 11643) and name', () => {
    expect(checkAgentForm({ idNumber: PERSON, name: '钱多多' })).toEqual({})
    const errors = checkAgentForm({ idNumber: '330122199202020011', name: ' ' })
    expect(errors.id_number).toMatch(/校验位/)
    expect(errors.name).toBe('请输入经办人姓名')
    expect(checkAgentForm({ idNumber: PERSON, name: '名'.repeat(101) }).name).toBe('姓名最多100个字符')
    expect(toAgentIn({ idNumber: ' 33012219920202001x ', name: ' 钱多多 ' })).toEqual({ id_number: PERSON, name: '钱多多' })
  })
})

describe('the refusals in Chinese', () => {
  it('asks for 实名认证 at the level the API names', () => {
    const problem = entityProblem(refusal(403, 'assurance_level_required', undefined, { required_level: 2, current_level: 1 }), ['uscc'])
    expect(problem.needsIdentity).toBe(true)
    expect(problem.field).toBeUndefined()
    expect(problem.message).toContain('实名认证')
    expect(problem.message).toContain('L2')
    expect(entityProblem(refusal(403, 'assurance_level_required', undefined, { required_level: 3 })).message).toContain('L3')
  })

  it('says each refusal of opening an entity next to the code', () => {
    const notRepresentative = entityProblem(refusal(403, 'not_legal_representative', 'uscc'), ['uscc'])
    expect(notRepresentative).toEqual({ field: 'uscc', message: ENTITY_PROBLEMS.not_legal_representative, needsIdentity: false })
    expect(notRepresentative.message).toContain('法定代表人不是您')
    const unknown = entityProblem(refusal(422, 'entity_unknown', 'uscc'), ['uscc'])
    expect(unknown.field).toBe('uscc')
    expect(unknown.message).toContain('窗口')
    expect(entityProblem(refusal(409, 'account_exists', 'uscc'), ['uscc']).message).toContain('已开通')
  })

  it('says the refusals of agents and of acting', () => {
    expect(entityProblem(refusal(409, 'agent_exists', 'id_number'), ['id_number'])).toMatchObject({ field: 'id_number', message: '该人员已经是本单位的经办人。' })
    expect(entityProblem(refusal(422, 'agent_is_representative', 'id_number'), ['id_number']).message).toContain('无需授权')
    expect(entityProblem(refusal(403, 'not_an_agent')).message).toContain('授权可能已被撤销')
    // a field the form does not show: said above it
    expect(entityProblem(refusal(409, 'agent_exists', 'id_number'), []).field).toBeUndefined()
  })

  it('falls back to the general mapping for other problems', () => {
    const invalid = apiError({ status: 422, detail: 'x', errors: [{ field: 'uscc', message: 'not a valid unified social credit code', code: 'value_error' }] })
    expect(entityProblem(invalid, ['uscc'])).toEqual({ field: 'uscc', message: '统一社会信用代码无效，请核对校验码', needsIdentity: false })
    expect(entityProblem(apiError({ status: 503, detail: 'the registry is unavailable; try again shortly' })).message).toBe('服务暂时不可用，请稍后重试')
    expect(entityProblem(new Error('boom')).message).toContain('页面出错')
  })
})

describe('the act claim', () => {
  it('names the acting person of an entity’s token, nobody otherwise', () => {
    expect(actorOf(entityToken())).toEqual({ sub: 'p-1', idn: PERSON, name: '钱多多' })
    expect(actorOf(personToken())).toBeNull()
    expect(actorOf(token({ sub: 'e-1', typ: 'entity', name: 'x', exp: future() }))).toBeNull()
    expect(actorOf('not.a.token')).toBeNull()
    expect(actorOf(null)).toBeNull()
  })
})

describe('switching sessions', () => {
  it('keeps the person’s token while acting and gives it back', () => {
    const acting = startActing({ current: 'person', person: null }, 'entity-a')
    expect(acting).toEqual({ current: 'entity-a', person: 'person' })
    // from one entity to another: the person's token is kept, not the first entity's
    expect(startActing(acting, 'entity-b')).toEqual({ current: 'entity-b', person: 'person' })
    expect(stopActing(acting)).toEqual({ current: 'person', person: null })
  })
})

describe('the acting store', () => {
  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
  })
  afterEach(() => sessionStorage.clear())

  it('acts for an entity with the person’s token and switches back', async () => {
    const person = personToken()
    sessionStorage.setItem(TOKEN_KEY, person)
    const auth = useAuthStore()
    const acting = useActingStore()
    expect(acting.isActing).toBe(false)
    const entity = entityToken()
    vi.mocked(api.actAs).mockResolvedValue({ access_token: entity, token_type: 'bearer', expires_in: 3600 })

    await acting.actAs(ENTITY)
    expect(api.actAs).toHaveBeenCalledWith(ENTITY)
    expect(auth.token).toBe(entity)
    expect(auth.accountType).toBe('entity')
    expect(acting.isActing).toBe(true)
    expect(acting.actor?.name).toBe('钱多多')
    expect(acting.entityName).toBe('桐庐富春江茶业有限公司')
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(entity)
    expect(sessionStorage.getItem(PERSON_TOKEN_KEY)).toBe(person)

    expect(acting.switchBack()).toBe(true)
    expect(auth.token).toBe(person)
    expect(auth.accountType).toBe('person')
    expect(acting.isActing).toBe(false)
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(person)
    expect(sessionStorage.getItem(PERSON_TOKEN_KEY)).toBeNull()
  })

  it('drops the entity’s account when it arrives after switching back (the header names the person)', async () => {
    const person = personToken()
    sessionStorage.setItem(TOKEN_KEY, person)
    const auth = useAuthStore()
    const acting = useActingStore()
    vi.mocked(api.actAs).mockResolvedValue({ access_token: entityToken(), token_type: 'bearer', expires_in: 3600 })
    await acting.actAs(ENTITY)
    let answer: (account: api.Account) => void = () => {}
    vi.mocked(api.getMe).mockImplementation(() => new Promise((resolve) => (answer = resolve)))
    const loading = auth.loadAccount() // 我的办件 asks for the account while acting ...
    expect(acting.switchBack()).toBe(true) // ... and 切换回个人 comes before the answer
    answer({ name: '桐庐富春江茶业有限公司' } as api.Account)
    expect(await loading).toBeNull()
    expect(auth.account).toBeNull()
    expect(auth.displayName).toBe('钱多多')
  })

  it('asks act-as with the person’s token when switching from one entity to another', async () => {
    const person = personToken()
    sessionStorage.setItem(TOKEN_KEY, person)
    const auth = useAuthStore()
    const acting = useActingStore()
    const used: (string | null)[] = []
    vi.mocked(api.actAs).mockImplementation(async () => {
      used.push(auth.token)
      return { access_token: entityToken(`单位${used.length}`), token_type: 'bearer', expires_in: 3600 }
    })
    await acting.actAs(ENTITY)
    await acting.actAs('92330122MA2H7R5L09')
    expect(used).toEqual([person, person])
    expect(acting.entityName).toBe('单位2')
    expect(acting.personToken).toBe(person)
  })

  it('stays the person when act-as is refused', async () => {
    const person = personToken()
    sessionStorage.setItem(TOKEN_KEY, person)
    const auth = useAuthStore()
    const acting = useActingStore()
    vi.mocked(api.actAs).mockRejectedValue(refusal(403, 'not_an_agent'))
    await expect(acting.actAs(ENTITY)).rejects.toBeInstanceOf(ApiError)
    expect(auth.token).toBe(person)
    expect(acting.personToken).toBeNull()
  })

  it('logs out when the person’s session has ended too', () => {
    const expired = token({ sub: 'p-1', typ: 'person', name: '钱多多', roles: [], exp: 1000 })
    sessionStorage.setItem(TOKEN_KEY, entityToken())
    sessionStorage.setItem(PERSON_TOKEN_KEY, expired)
    const auth = useAuthStore()
    const acting = useActingStore()
    expect(acting.isActing).toBe(true)
    expect(acting.switchBack()).toBe(false)
    expect(auth.token).toBeNull()
    expect(sessionStorage.getItem(PERSON_TOKEN_KEY)).toBeNull()
  })

  it('goes back to the person when the entity’s token is refused, and ignores the echoes of it', () => {
    const person = personToken()
    sessionStorage.setItem(TOKEN_KEY, entityToken())
    sessionStorage.setItem(PERSON_TOKEN_KEY, person)
    const auth = useAuthStore()
    const acting = useActingStore()
    expect(acting.refused(1_000_000)).toBe('switched')
    expect(auth.token).toBe(person)
    // another request sent with the entity's token, refused a moment later
    expect(acting.refused(1_002_000)).toBe('ignored')
    expect(auth.token).toBe(person)
    // the person's own token refused later: the session ends
    expect(acting.refused(1_020_000)).toBe('ended')
  })

  it('ends a person’s session refused when not acting', () => {
    sessionStorage.setItem(TOKEN_KEY, personToken())
    expect(useActingStore().refused()).toBe('ended')
  })

  it('forgets the person’s token at log-out', () => {
    sessionStorage.setItem(TOKEN_KEY, entityToken())
    sessionStorage.setItem(PERSON_TOKEN_KEY, personToken())
    const auth = useAuthStore()
    const acting = useActingStore()
    auth.logout()
    expect(acting.personToken).toBeNull()
    expect(sessionStorage.getItem(PERSON_TOKEN_KEY)).toBeNull()
    expect(acting.isActing).toBe(false)
  })
})

describe('the pages', () => {
  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
  })

  function router() {
    return createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', component: { template: '<div />' } },
        { path: '/login', name: 'login', component: { template: '<div />' } },
        { path: '/my/cases', name: 'my-cases', component: { template: '<div />' } },
        { path: '/my/entities', name: 'my-entities', component: MyEntitiesView },
        { path: '/my/identity', component: { template: '<div />' } },
      ],
    })
  }

  it('the registration page explains that the legal representative opens an entity', async () => {
    const r = router()
    await r.push('/')
    const wrapper = mount(EntityRegistrationNotice, { global: { plugins: [r] } })
    expect(wrapper.text()).toContain('由法定代表人开通')
    expect(wrapper.text()).toContain('实名认证')
    expect(wrapper.find('a').attributes('href')).toBe('/login?redirect=/my/entities')
    await wrapper.find('button').trigger('click')
    expect(wrapper.emitted('person')).toHaveLength(1)
  })

  it('我的单位 lists the roles and, refused for the level, links to 实名认证', async () => {
    sessionStorage.setItem(TOKEN_KEY, personToken())
    vi.mocked(api.listMyEntities).mockResolvedValue([
      { uscc: ENTITY, name: '桐庐富春江茶业有限公司', role: 'representative', representative_name: '钱多多' },
      { uscc: '92330122MA2H7R5L09', name: '桐庐县张三小吃店', role: 'agent', representative_name: '张三' },
    ])
    vi.mocked(api.openEntity).mockRejectedValue(refusal(403, 'assurance_level_required', undefined, { required_level: 2 }))
    const r = router()
    await r.push('/my/entities')
    const wrapper = mount(MyEntitiesView, { global: { plugins: [r] }, attachTo: document.body })
    await flushPromises()
    const roles = wrapper.findAll('[data-testid="entity-role"]').map((t) => t.text())
    expect(roles).toEqual(['法定代表人', '经办人'])
    // 经办人管理 only for the representative
    expect(wrapper.findAll('.entity-card')[1]!.text()).not.toContain('经办人管理')

    const input = wrapper.find('#entity-uscc')
    await input.setValue('91330122MA28D0K3XM')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('.el-form-item__error').text()).toBe('校验码不正确，请核对代码')
    expect(api.openEntity).not.toHaveBeenCalled()

    await input.setValue(ENTITY)
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(api.openEntity).toHaveBeenCalledWith(ENTITY)
    expect(wrapper.find('[data-testid="open-error"]').text()).toContain('实名认证')
    expect(wrapper.find('[data-testid="open-error"] a').attributes('href')).toBe('/my/identity')
  })
})
