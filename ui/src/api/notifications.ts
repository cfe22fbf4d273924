import type { GW } from './schemas'
import { json, page, seg } from './http'
import type { Page, PageParams } from './http'

export type NotificationKind =
  | 'accepted'
  | 'supplement_requested'
  | 'rejected'
  | 'approved'
  | 'denied'
  | 'concluded'
  | 'license_issued'
  | 'license_revoked'
  | 'license_cancelled'
  | 'license_expired'
  | 'license_expiring'
  | 'password_reset'
  | 'account_reclaimed'
  | 'agent_granted'

/** One notification of the logged-in applicant (消息通知); not the browser's `Notification`. */
export type InboxNotification = GW['NotificationOut']

/** My notifications, newest first; `unread` keeps only the unread ones. */
export function listMyNotifications(params: PageParams & { unread?: boolean; signal?: AbortSignal } = {}): Promise<Page<InboxNotification>> {
  return page<InboxNotification>('/me/notifications', params, { unread: params.unread ? 'true' : undefined })
}

export async function getUnreadNotificationCount(signal?: AbortSignal): Promise<number> {
  return (await json<{ unread: number }>('/me/notifications/unread-count', { signal })).unread
}

export function markNotificationRead(id: number): Promise<InboxNotification> {
  return json<InboxNotification>(`/me/notifications/${seg(String(id))}/read`, { method: 'POST' })
}

export function markAllNotificationsRead(): Promise<{ marked: number; unread: number }> {
  return json<{ marked: number; unread: number }>('/me/notifications/read-all', { method: 'POST' })
}
