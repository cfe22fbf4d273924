/** Times are stored in UTC and shown in Asia/Shanghai. */

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

const dateOnly = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

function parts(format: Intl.DateTimeFormat, iso: string): Record<string, string> | null {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return null
  return Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]))
}

/** 2026-11-25T15:21:05Z -> 2026-11-25 23:21 */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const p = parts(dateTime, iso)
  if (!p) return iso
  const hour = p.hour === '24' ? '00' : p.hour
  return `${p.year}-${p.month}-${p.day} ${hour}:${p.minute}`
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const p = parts(dateOnly, iso)
  return p ? `${p.year}-${p.month}-${p.day}` : iso
}

export function workingDays(days: number): string {
  return `${days} 个工作日`
}
