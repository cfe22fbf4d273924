import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import * as api from '@/api'
import NotificationBell from '@/components/NotificationBell.vue'
import {
  badgeText,
  bellLabel,
  createPoller,
  kindLabel,
  kindTag,
  notificationLinks,
  NOTIFICATIONS_CHANGED,
  POLL_INTERVAL_MS,
} from '@/lib/notifications'

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('what the bell says', () => {
  it('names the unread count in its accessible name', () => {
    expect(bellLabel(3)).toBe('消息通知（3 条未读）')
    expect(bellLabel(0)).toBe('消息通知（无未读）')
  })

  it('shows the count on the badge, at most 99+, and nothing for none', () => {
    expect([badgeText(0), badgeText(1), badgeText(99), badgeText(100)]).toEqual(['', '1', '99', '99+'])
  })
})

describe('a notification', () => {
  it('has a label and a colour for each kind, and a plain one for a kind it does not know', () => {
    expect(kindLabel('accepted')).toBe('已受理')
    expect(kindLabel('supplement_requested')).toBe('需补正')
    expect(kindLabel('rejected')).toBe('不予受理')
    expect(kindLabel('concluded')).toBe('已办结')
    expect(kindLabel('password_reset')).toBe('账号安全')
    expect(kindTag('password_reset')).toBe('warning')
    expect(kindLabel('account_reclaimed')).toBe('账号安全')
    expect(kindLabel('agent_granted')).toBe('单位授权')
    expect(kindLabel('license_issued')).toBe('证照签发')
    expect(kindLabel('license_revoked')).toBe('证照吊销')
    expect([kindTag('supplement_requested'), kindTag('denied'), kindTag('approved')]).toEqual(['warning', 'danger', 'success'])
    expect([kindLabel('something_new'), kindTag('something_new')]).toEqual(['通知', 'info'])
  })

  it('links to its case and its licence, the case first', () => {
    expect(notificationLinks({ case_no: '2026', license_no: 'AMR-1' })).toEqual([
      { label: '查看办件', to: { name: 'case', params: { caseNo: '2026' } } },
      { label: '查看证照', to: { name: 'license', params: { licenseNo: 'AMR-1' } } },
    ])
    expect(notificationLinks({ case_no: '2026', license_no: null }).map((l) => l.label)).toEqual(['查看办件'])
    expect(notificationLinks({ case_no: null, license_no: 'AMR-1' }).map((l) => l.label)).toEqual(['查看证照'])
    expect(notificationLinks({ case_no: null, license_no: null })).toEqual([])
  })
})

describe('polling the unread count politely', () => {
  it('asks at once, then every interval, and stops', async () => {
    vi.useFakeTimers()
    const fetch = vi.fn(async () => 1)
    const poller = createPoller(fetch, { intervalMs: 1000, isHidden: () => false })
    poller.start()
    expect(fetch).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(fetch).toHaveBeenCalledTimes(4)
    poller.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetch).toHaveBeenCalledTimes(4)
    expect(POLL_INTERVAL_MS).toBe(30_000)
  })

  it('does not ask while the page is hidden, and asks as soon as it is shown again', async () => {
    vi.useFakeTimers()
    let hidden = true
    const fetch = vi.fn(async () => 1)
    const poller = createPoller(fetch, { intervalMs: 1000, isHidden: () => hidden })
    poller.start()
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetch).not.toHaveBeenCalled()
    hidden = false
    document.dispatchEvent(new Event('visibilitychange'))
    expect(fetch).toHaveBeenCalledTimes(1)
    poller.stop()
  })

  it('never has two requests in flight, and survives a failed one', async () => {
    let finish!: () => void
    const fetch = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)))
    const poller = createPoller(fetch, { intervalMs: 60_000, isHidden: () => false })
    poller.start()
    poller.trigger()
    poller.trigger()
    expect(fetch).toHaveBeenCalledTimes(1)
    finish()
    await flushPromises()
    poller.trigger()
    expect(fetch).toHaveBeenCalledTimes(2)
    finish()
    await flushPromises()
    const failing = createPoller(() => Promise.reject(new Error('offline')), { intervalMs: 60_000, isHidden: () => false })
    failing.trigger()
    await flushPromises()
    poller.stop()
  })
})

describe('NotificationBell', () => {
  it('shows the unread count, links to the inbox and counts again on a route change and when read', async () => {
    const counts = [3, 2, 0]
    const count = vi.spyOn(api, 'getUnreadNotificationCount').mockImplementation(async () => counts.shift() ?? 0)
    const Empty = defineComponent({ render: () => h('p', 'page') })
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', name: 'home', component: Empty },
        { path: '/my/cases', name: 'my-cases', component: Empty },
        { path: '/my/notifications', name: 'my-notifications', component: Empty },
      ],
    })
    await router.push('/')
    const App = defineComponent({ render: () => [h(NotificationBell), h(RouterView)] })
    const wrapper = mount(App, { global: { plugins: [router] } })
    await flushPromises()
    const bell = () => wrapper.find('[data-testid="notification-bell"]')
    expect(bell().attributes('aria-label')).toBe('消息通知（3 条未读）')
    expect(bell().attributes('href')).toBe('/my/notifications')
    expect(bell().find('.badge').text()).toBe('3')

    await router.push('/my/cases')
    await flushPromises()
    expect(count).toHaveBeenCalledTimes(2)
    expect(bell().attributes('aria-label')).toBe('消息通知（2 条未读）')

    window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED))
    await flushPromises()
    expect(bell().attributes('aria-label')).toBe('消息通知（无未读）')
    expect(bell().find('.badge').exists()).toBe(false)
    wrapper.unmount()
  })
})
