/**
 * The applicant's notifications (消息通知), without Vue: what the bell says, how a kind of
 * notification is labelled, where it links to, and the polite polling of the unread count.
 */
import type { InboxNotification } from '@/api'

/** Sent on `window` when notifications were marked read, so the bell counts again at once. */
export const NOTIFICATIONS_CHANGED = 'gov:notifications-changed'

/** How often the bell asks for the unread count while the page is visible. */
export const POLL_INTERVAL_MS = 30_000

/** The bell's accessible name: 消息通知（3 条未读）. */
export function bellLabel(unread: number): string {
  return unread > 0 ? `消息通知（${unread} 条未读）` : '消息通知（无未读）'
}

/** What the badge shows: the count, at most 99+; nothing for none. */
export function badgeText(unread: number): string {
  if (unread <= 0) return ''
  return unread > 99 ? '99+' : String(unread)
}

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

const KINDS: Record<string, { label: string; tag: TagType }> = {
  accepted: { label: '已受理', tag: 'primary' },
  supplement_requested: { label: '需补正', tag: 'warning' },
  rejected: { label: '不予受理', tag: 'danger' },
  approved: { label: '审批通过', tag: 'success' },
  denied: { label: '不予许可', tag: 'danger' },
  concluded: { label: '已办结', tag: 'success' },
  license_issued: { label: '证照签发', tag: 'success' },
  license_revoked: { label: '证照吊销', tag: 'danger' },
  license_cancelled: { label: '证照注销', tag: 'info' },
  license_expired: { label: '证照过期', tag: 'info' },
  license_expiring: { label: '到期提醒', tag: 'warning' },
  password_reset: { label: '账号安全', tag: 'warning' },
  account_reclaimed: { label: '账号安全', tag: 'warning' },
  agent_granted: { label: '单位授权', tag: 'primary' },
}

export function kindLabel(kind: string): string {
  return KINDS[kind]?.label ?? '通知'
}

export function kindTag(kind: string): TagType {
  return KINDS[kind]?.tag ?? 'info'
}

export interface NotificationLink {
  label: string
  to:
    | { name: 'case'; params: { caseNo: string } }
    | { name: 'license'; params: { licenseNo: string } }
    | { name: 'my-entities' }
    | { name: 'item'; params: { code: string } }
}

/** The case and the licence a notification is about, as links: the case first (an agent's
 *  authorisation leads to 我的单位). */
export function notificationLinks(
  notification: Pick<InboxNotification, 'case_no' | 'license_no'> & { kind?: string; item_code?: string | null },
): NotificationLink[] {
  const links: NotificationLink[] = []
  if (notification.kind === 'agent_granted') links.push({ label: '查看我的单位', to: { name: 'my-entities' } })
  if (notification.case_no) links.push({ label: '查看办件', to: { name: 'case', params: { caseNo: notification.case_no } } })
  if (notification.license_no) {
    links.push({ label: '查看证照', to: { name: 'license', params: { licenseNo: notification.license_no } } })
  }
  // An expiring licence's renewal item (到期提醒).
  if (notification.item_code) links.push({ label: '办理续期', to: { name: 'item', params: { code: notification.item_code } } })
  return links
}

export interface Poller {
  start: () => void
  stop: () => void
  /** Ask now (a route change, a notification read), unless a request is in flight. */
  trigger: () => void
}

/**
 * Calls `fetch` now, then every `intervalMs` — but not while the page is hidden (it asks again as
 * soon as the page is shown), and never twice at once.
 */
export function createPoller(
  fetch: () => Promise<unknown>,
  options: { intervalMs?: number; isHidden?: () => boolean } = {},
): Poller {
  const intervalMs = options.intervalMs ?? POLL_INTERVAL_MS
  const isHidden = options.isHidden ?? (() => typeof document !== 'undefined' && document.visibilityState === 'hidden')
  let timer: ReturnType<typeof setInterval> | null = null
  let inFlight = false
  let missed = false

  function trigger(): void {
    if (isHidden()) {
      missed = true
      return
    }
    if (inFlight) return
    inFlight = true
    missed = false
    fetch()
      .catch(() => {
        // the bell keeps its last count; the next tick asks again
      })
      .finally(() => {
        inFlight = false
      })
  }

  function onVisibility(): void {
    if (!isHidden() && missed) trigger()
  }

  return {
    start() {
      if (timer !== null) return
      trigger()
      timer = setInterval(trigger, intervalMs)
      if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility)
    },
    stop() {
      if (timer !== null) clearInterval(timer)
      timer = null
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisibility)
    },
    trigger,
  }
}
