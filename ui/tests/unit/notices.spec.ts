import { describe, expect, it } from 'vitest'
import { offersBooking, offersOnline, telHref, visitsLabel, visitsOf } from '@/lib/guide'
import { noticeDate, noticesOf, noticeTitle, progressUrl, remedyText, stepAt } from '@/lib/notices'

const step = (status: string, at: string) => ({ status, at, actor: 'x', note: null })

describe('notices', () => {
  it('prints Beijing dates without a time', () => {
    expect(noticeDate('2026-12-04T17:35:00Z')).toBe('2026年12月5日') // 01:35 on the 5th in Beijing
    expect(noticeDate('2026-12-04T15:59:00Z')).toBe('2026年12月4日')
    expect(noticeDate('2026-10-26')).toBe('2026年10月26日')
    expect(noticeDate(null)).toBe('____年__月__日')
  })

  it('names the configured bodies in the notice of remedies, else the law’s general words', () => {
    expect(remedyText({ reconsideration_body: '示范县人民政府', litigation_court: '示范县人民法院' })).toBe(
      '如不服本决定，可以在收到本决定书之日起六十日内向示范县人民政府申请行政复议，或者在六个月内依法向示范县人民法院提起行政诉讼。',
    )
    expect(remedyText(null)).toContain('向本机关的本级人民政府申请行政复议')
    expect(remedyText({ reconsideration_body: null, litigation_court: null })).toContain('向有管辖权的人民法院提起行政诉讼')
  })

  it('offers the notices a case has', () => {
    const base = { supplements: [] as never[], timeline: [step('submitted', '2026-12-01T01:00:00Z')] }
    expect(noticesOf({ ...base, status: 'submitted' })).toEqual(['receipt'])
    expect(noticesOf({ ...base, status: 'rejected' })).toEqual(['rejection'])
    expect(noticesOf({ ...base, status: 'denied' })).toEqual(['receipt', 'denial'])
    const concluded = { ...base, status: 'concluded', timeline: [...base.timeline, step('approved', '2026-12-02T01:00:00Z')] }
    expect(noticesOf(concluded)).toEqual(['receipt', 'approval'])
    expect(stepAt(concluded.timeline, 'approved', 'concluded')).toBe('2026-12-02T01:00:00Z')
  })

  it('titles decisions by the item type', () => {
    expect(noticeTitle('denial', 'licensing')).toBe('不予许可决定书')
    expect(noticeTitle('approval', 'public_service')).toBe('准予办理决定书')
    expect(noticeTitle('receipt', 'licensing', 'submitted')).toBe('收件凭证')
    expect(noticeTitle('receipt', 'licensing', 'accepted')).toBe('受理回执')
  })

  it('points the QR code at the public look-up', () => {
    expect(progressUrl('202612050000000001', 'https://zwfw.example')).toBe('https://zwfw.example/progress?case_no=202612050000000001')
  })
})

describe('guide', () => {
  it('derives the visits from the online depth when the item does not say', () => {
    expect(visitsOf('zero_visits', { visits: null })).toBe(0)
    expect(visitsOf('at_most_one_visit', null)).toBe(1)
    expect(visitsOf('window_only', { visits: 2 })).toBe(2)
    expect(visitsOf('window_only', null)).toBeNull()
    expect(visitsLabel(0)).toBe('0 次（零跑动）')
  })

  it('offers the buttons the item offers', () => {
    expect(offersOnline({ channels: ['window'] })).toBe(false)
    expect(offersBooking({ channels: ['window'], online_depth: 'online_booking', guide: { booking: false } as never })).toBe(true)
    expect(telHref('0571-64120001、12345')).toBe('tel:0571-64120001')
  })
})
