import { flushPromises, mount } from '@vue/test-utils'
import { ElMessageBox } from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import * as api from '@/api'
import PersonalServices from '@/components/PersonalServices.vue'
import { kindLabel, notificationLinks } from '@/lib/notifications'

afterEach(() => vi.restoreAllMocks())

const RECOMMENDATION: api.Recommendation = {
  theme: '开办餐饮店',
  reason: '您名下有个体工商户「张三小吃店」，从事餐饮还可能需要食品经营许可',
  items: [{ code: '330122-AMR-XK-0002', name: '食品经营许可' }],
  bundles: [{ code: '330122-YJS-0001', name: '开办餐饮店一件事' }],
}
const NONE: api.AlsoNeeded = { opted_out: false, available: true, items: [] }
const FOOD: api.AlsoNeededItem = {
  code: '330122-AMR-XK-0002',
  name: '食品经营许可',
  reason: '办理过「个体工商户设立登记」的申请人中，有 62% 随后办理了本事项',
  based_on: { code: '330122-AMR-XK-0001', name: '个体工商户设立登记' },
  applicants: 25,
  share: 0.62,
}
const OFFER: api.ProactiveOffer = {
  item_code: '330122-HRSS-GF-0001',
  item_name: '高龄津贴发放',
  department_code: 'hrss',
  reason: '年满八十周岁且户籍在本县，符合高龄津贴发放条件',
  form: { household_division_code: '330122' },
  rule_version: 1,
}

async function mounted() {
  const Empty = defineComponent({ render: () => h('p') })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: Empty },
      { path: '/items', name: 'catalogue', component: Empty },
      { path: '/items/:code', name: 'item', component: Empty },
      { path: '/cases/:caseNo', name: 'case', component: Empty },
      { path: '/apply/:code', name: 'apply', component: Empty },
      { path: '/my/personal-settings', name: 'my-personal-settings', component: Empty },
    ],
  })
  await router.push('/')
  const wrapper = mount(PersonalServices, { global: { plugins: [router] } })
  await flushPromises()
  return { wrapper, router }
}

describe('为您推荐 and 免申即享', () => {
  it('shows each recommendation with its reason, and 不再推荐 turns them off at once', async () => {
    vi.spyOn(api, 'getRecommendations').mockResolvedValue({ opted_out: false, recommendations: [RECOMMENDATION], also_needed: NONE })
    vi.spyOn(api, 'getProactiveOffers').mockResolvedValue({ opted_out: false, offers: [] })
    const set = vi
      .spyOn(api, 'setPersonalPreferences')
      .mockResolvedValue({ recommendation: false, also_needed: true, expiry_reminder: true, proactive: true })
    const { wrapper } = await mounted()
    const card = wrapper.find('[data-testid="recommendations"]')
    expect(card.text()).toContain('为您推荐')
    expect(card.text()).toContain(RECOMMENDATION.reason)
    expect(card.text()).toContain('食品经营许可')
    expect(wrapper.find('[data-testid="proactive-offers"]').exists()).toBe(false)
    const stop = card.findAll('button').find((b) => b.text() === '不再推荐')!
    await stop.trigger('click')
    await flushPromises()
    expect(set).toHaveBeenCalledWith({ recommendation: false })
    expect(wrapper.find('[data-testid="recommendations"]').exists()).toBe(false)
  })

  it('offers a benefit with 确认申领, which files the case and opens it', async () => {
    vi.spyOn(api, 'getRecommendations').mockResolvedValue({ opted_out: true, recommendations: [], also_needed: NONE })
    vi.spyOn(api, 'getProactiveOffers').mockResolvedValue({ opted_out: false, offers: [OFFER] })
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm' as never)
    const filed = vi.spyOn(api, 'confirmProactiveOffer').mockResolvedValue({ case_no: 'C2026', status: 'dispatched' })
    const { wrapper, router } = await mounted()
    expect(wrapper.find('[data-testid="recommendations"]').exists()).toBe(false)
    const offer = wrapper.find('[data-testid="proactive-offers"]')
    expect(offer.text()).toContain(OFFER.reason)
    await offer.findAll('button').find((b) => b.text() === '确认申领')!.trigger('click')
    await flushPromises()
    expect(filed).toHaveBeenCalledWith('330122-HRSS-GF-0001')
    expect(router.currentRoute.value.fullPath).toBe('/cases/C2026')
  })

  it('lists 您可能还需要 with each reason and a link to apply, and 不再推荐 turns only it off', async () => {
    vi.spyOn(api, 'getRecommendations').mockResolvedValue({
      opted_out: false,
      recommendations: [RECOMMENDATION],
      also_needed: { opted_out: false, available: true, items: [FOOD] },
    })
    vi.spyOn(api, 'getProactiveOffers').mockResolvedValue({ opted_out: false, offers: [] })
    const set = vi
      .spyOn(api, 'setPersonalPreferences')
      .mockResolvedValue({ recommendation: true, also_needed: false, expiry_reminder: true, proactive: true })
    const { wrapper } = await mounted()
    const card = wrapper.find('[data-testid="also-needed"]')
    expect(card.text()).toContain('您可能还需要')
    expect(card.text()).toContain(FOOD.reason)
    const apply = card.findAll('a').find((a) => a.text() === '去办理')!
    expect(apply.attributes('href')).toBe('/apply/330122-AMR-XK-0002')
    expect(card.find('[data-testid="also-needed-unavailable"]').exists()).toBe(false)
    await card.findAll('button').find((b) => b.text() === '不再推荐')!.trigger('click')
    await flushPromises()
    expect(set).toHaveBeenCalledWith({ also_needed: false })
    expect(wrapper.find('[data-testid="also-needed"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="recommendations"]').exists()).toBe(true)
  })

  it('says 暂时无法获取 when the warehouse could not be asked, and shows nothing when turned off or empty', async () => {
    const recommendations = vi.spyOn(api, 'getRecommendations').mockResolvedValue({
      opted_out: false,
      recommendations: [RECOMMENDATION],
      also_needed: { opted_out: false, available: false, items: [] },
    })
    vi.spyOn(api, 'getProactiveOffers').mockResolvedValue({ opted_out: false, offers: [] })
    let { wrapper } = await mounted()
    expect(wrapper.find('[data-testid="also-needed-unavailable"]').text()).toContain('暂时无法获取')
    expect(wrapper.find('[data-testid="recommendations"]').text()).toContain(RECOMMENDATION.reason)

    recommendations.mockResolvedValue({ opted_out: false, recommendations: [], also_needed: NONE })
    ;({ wrapper } = await mounted())
    expect(wrapper.find('[data-testid="also-needed"]').exists()).toBe(false)
    recommendations.mockResolvedValue({
      opted_out: false,
      recommendations: [],
      also_needed: { opted_out: true, available: true, items: [] },
    })
    ;({ wrapper } = await mounted())
    expect(wrapper.find('[data-testid="also-needed"]').exists()).toBe(false)
  })

  it('shows nothing when the services cannot be asked', async () => {
    vi.spyOn(api, 'getRecommendations').mockRejectedValue(new Error('offline'))
    vi.spyOn(api, 'getProactiveOffers').mockRejectedValue(new Error('offline'))
    const { wrapper } = await mounted()
    expect(wrapper.find('section').exists()).toBe(false)
  })
})

describe('an expiry reminder', () => {
  it('is labelled and links to the licence and to its renewal item', () => {
    expect(kindLabel('license_expiring')).toBe('到期提醒')
    const links = notificationLinks({ case_no: null, license_no: 'AMR-1', item_code: '330122-AMR-XK-0001' })
    expect(links.map((l) => l.label)).toEqual(['查看证照', '办理续期'])
    expect(links[1]!.to).toEqual({ name: 'item', params: { code: '330122-AMR-XK-0001' } })
  })
})
