/**
 * The public service guide (办事指南) as the national guide's fields show it: visits derived from the online
 * depth where the item does not say, 网办深度 in words, the result's delivery, what the buttons offer.
 */
import type { ItemDetail, ItemMaterial, ServiceGuide } from '@/api'
import { MATERIAL_SOURCES, onlineDepthLabel, RESULT_DELIVERIES } from '@/lib/catalogueAdmin'

/** 跑动次数: the item's own figure, else what its online depth promises (null: not stated). */
export function visitsOf(online_depth: string, guide: Pick<ServiceGuide, 'visits'> | null | undefined): number | null {
  if (guide?.visits !== null && guide?.visits !== undefined) return guide.visits
  if (online_depth === 'zero_visits') return 0
  if (online_depth === 'at_most_one_visit') return 1
  return null
}

export function visitsLabel(visits: number | null): string {
  if (visits === null) return '以窗口告知为准'
  return visits === 0 ? '0 次（零跑动）' : `${visits} 次`
}

/** 网办深度 as the national guide grades it, with the platform's own wording. */
export function onlineDepthText(depth: string): string {
  const grade: Record<string, string> = {
    window_only: '一级（信息公开，到窗口办理）',
    online_booking: '二级（网上预约、下载表格）',
    at_most_one_visit: '三级（网上预审，最多跑一次）',
    zero_visits: '四级（全程网办）',
  }
  return `${onlineDepthLabel(depth)}${grade[depth] ? ` · ${grade[depth]}` : ''}`
}

export function deliveryLabel(values: readonly string[]): string {
  return values.map((v) => RESULT_DELIVERIES.find((d) => d.value === v)?.label ?? v).join('、') || '—'
}

export function materialSourceLabel(source: string | undefined): string {
  return MATERIAL_SOURCES.find((s) => s.value === source)?.label ?? '申请人自备'
}

export function copiesLabel(material: Pick<ItemMaterial, 'copies' | 'form'>): string {
  const copies = material.copies ?? 1
  if (copies === 0) return material.form === 'electronic' ? '无需提交（系统核验）' : '核验原件，不收取'
  return `${copies} 份`
}

/** The result a person gets: the licence named by the item, else a written decision. */
export function resultName(item: Pick<ItemDetail, 'license_name' | 'item_type'>): string {
  if (item.license_name) return item.license_name
  return item.item_type === 'licensing' ? '准予行政许可决定书' : '办理结果通知'
}

/** Whether an applicant can book a visit to the window (预约办理). */
export function offersBooking(item: Pick<ItemDetail, 'online_depth' | 'guide' | 'channels'>): boolean {
  return Boolean(item.guide?.booking) || item.online_depth === 'online_booking'
}

/** Whether the item can be applied for online (在线办理). */
export function offersOnline(item: Pick<ItemDetail, 'channels'>): boolean {
  return item.channels.includes('online')
}

/** A telephone number as a link target (tel:) — the first number of several, digits and dashes only. */
export function telHref(phones: string): string | null {
  const first = phones.split(/[、,，]/)[0]?.replace(/[^0-9+-]/g, '')
  return first ? `tel:${first}` : null
}
