/**
 * The written notices of a case (文书): which a case has, their titles, their dates (Beijing dates, no time),
 * the notice of remedies a refusal carries (行政复议法 2023 art. 24, 行政诉讼法 art. 18 and 46), and the
 * address of the public progress look-up their QR code carries.
 */
import type { CaseDetail, Department } from '@/api'

export type NoticeKind = 'receipt' | 'supplement' | 'rejection' | 'denial' | 'approval'

export const NOTICE_KINDS: readonly NoticeKind[] = ['receipt', 'supplement', 'rejection', 'denial', 'approval']

type CaseFacts = Pick<CaseDetail, 'status' | 'timeline' | 'supplements'>

/** Where a case stands after acceptance: it was accepted (受理) and then some. */
const PAST_ACCEPTANCE = new Set(['accepted', 'dispatched', 'approved', 'denied', 'concluded'])

/** The notices a case has, in the order they were made. */
export function noticesOf(detail: CaseFacts): NoticeKind[] {
  const kinds: NoticeKind[] = []
  if (detail.status === 'submitted' || PAST_ACCEPTANCE.has(detail.status)) kinds.push('receipt')
  if (detail.supplements.length) kinds.push('supplement')
  if (detail.status === 'rejected') kinds.push('rejection')
  if (detail.status === 'denied') kinds.push('denial')
  if ((detail.status === 'approved' || detail.status === 'concluded') && stepAt(detail.timeline, 'approved', 'concluded')) kinds.push('approval')
  return kinds
}

/** A notice's title; a licensing item's decisions are 许可 decisions, the others' 办理 decisions. */
export function noticeTitle(kind: NoticeKind, itemType: string, status = ''): string {
  const licensing = itemType === 'licensing'
  switch (kind) {
    case 'receipt':
      return status === 'submitted' ? '收件凭证' : '受理回执'
    case 'supplement':
      return '补正材料一次性告知书'
    case 'rejection':
      return '不予受理决定书'
    case 'denial':
      return licensing ? '不予许可决定书' : '不予办理决定书'
    case 'approval':
      return licensing ? '准予许可决定书' : '准予办理决定书'
  }
}

/** When the case first reached one of the statuses (its timeline, oldest first); null if never. */
export function stepAt(timeline: readonly { status: string; at: string }[], ...statuses: string[]): string | null {
  return timeline.find((entry) => statuses.includes(entry.status))?.at ?? null
}

const chineseDate = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' })

/** A moment as the Beijing date a notice prints: 2026年12月5日 (2026-12-04T17:35Z is the 5th). A plain date
 *  (YYYY-MM-DD) is printed as it is. */
export function noticeDate(value: string | null | undefined): string {
  if (!value) return '____年__月__日'
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (plain) return `${Number(plain[1])}年${Number(plain[2])}月${Number(plain[3])}日`
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  const p = Object.fromEntries(chineseDate.formatToParts(date).map((x) => [x.type, x.value]))
  return `${p.year}年${p.month}月${p.day}日`
}

/** The bodies a refusal names: configured for the department, else the law's general words. */
export function remedyBodies(department: Pick<Department, 'reconsideration_body' | 'litigation_court'> | null | undefined): { reconsideration: string; court: string } {
  return {
    reconsideration: department?.reconsideration_body || '本机关的本级人民政府',
    court: department?.litigation_court || '有管辖权的人民法院',
  }
}

/** The notice of remedies every refusal carries (不予受理, 不予许可). */
export function remedyText(department: Pick<Department, 'reconsideration_body' | 'litigation_court'> | null | undefined): string {
  const { reconsideration, court } = remedyBodies(department)
  return `如不服本决定，可以在收到本决定书之日起六十日内向${reconsideration}申请行政复议，或者在六个月内依法向${court}提起行政诉讼。`
}

/** The public progress look-up for a case (what the notices' QR code carries). */
export function progressUrl(caseNo: string, origin: string): string {
  return `${origin}/progress?case_no=${encodeURIComponent(caseNo)}`
}
