import { describe, expect, it } from 'vitest'
import type { Figures, ItemMaterial } from '@/api'
import { checkApplicant, checkUploadFile, emptyEntry, materialCodeOfPath, materialRefs, materialState, missingRequired, toWalkIn } from '@/lib/intake'
import { alertKindLabel, caseStatusLabel, timelineNote } from '@/lib/labels'
import { chartOptions, checkPeriod, defaultPeriod, percent, shanghaiDate, totals } from '@/lib/performance'
import { lastMonths, mapBounded, monthLabel, trendChartOption, trendTotals } from '@/lib/performance'
import { ApiError } from '@/api'
import { mapProblem } from '@/lib/problem'

const MATERIALS: ItemMaterial[] = [
  { code: 'SQS', name: '申请书', form: 'electronic', required: true, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
  { code: 'YYZZ', name: '营业执照', form: 'electronic', required: true, license_type: 'business_license', accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
  { code: 'BJT', name: '布局图', form: 'copy', required: false, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
  { code: 'YJ', name: '原件', form: 'original', required: true, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
]

describe('one-window intake', () => {
  it('checks the walk-in applicant as the API does', () => {
    expect(checkApplicant({ type: 'person', id_number: '', name: '' })).toEqual({ id_number: '请输入居民身份证号码', name: '请输入申请人姓名' })
    expect(checkApplicant({ type: 'person', id_number: '33012219920202001X', name: '钱多多' })).toEqual({})
    expect(checkApplicant({ type: 'person', id_number: '330122199202020011', name: '钱多多' }).id_number).toBeTruthy()
    expect(checkApplicant({ type: 'entity', id_number: '91330122MA28D0K3XN', name: '茶业公司' })).toEqual({})
    expect(checkApplicant({ type: 'entity', id_number: '91330122MA28D0K3X0', name: '茶业公司' }).id_number).toBeTruthy()
    expect(toWalkIn({ type: 'person', id_number: ' 33012219920202001x ', name: ' 钱多多 ' })).toEqual({ type: 'person', id_number: '33012219920202001X', name: '钱多多' })
  })

  it('tells where each material stands and what to send', () => {
    const entries = { SQS: emptyEntry(), YYZZ: { fileId: '', fileName: '', licenseNo: ' AMR-1 ' }, BJT: { fileId: 'a'.repeat(64), fileName: 'x.pdf', licenseNo: '' }, YJ: emptyEntry() }
    expect(MATERIALS.map((m) => materialState(m, entries[m.code as keyof typeof entries]))).toEqual(['by-application', 'license', 'file', 'missing'])
    expect(materialRefs(MATERIALS, entries)).toEqual([
      { code: 'YYZZ', license_no: 'AMR-1' },
      { code: 'BJT', file_id: 'a'.repeat(64) },
    ])
    expect(missingRequired(MATERIALS, entries).map((m) => m.code)).toEqual(['YJ'])
    // A licence number is ignored for a material no licence can stand for.
    expect(materialRefs(MATERIALS, { YJ: { fileId: '', fileName: '', licenseNo: 'X' } })).toEqual([])
    expect(materialState(MATERIALS[2]!, undefined)).toBe('optional')
  })

  it('maps an error path back to the material it was about', () => {
    const sent = [{ code: 'YYZZ', license_no: 'X' }, { code: 'BJT', file_id: 'f' }]
    expect(materialCodeOfPath('materials[1].file_id', sent)).toBe('BJT')
    expect(materialCodeOfPath('materials[0]', sent)).toBe('YYZZ')
    expect(materialCodeOfPath('materials[5]', sent)).toBeNull()
    expect(materialCodeOfPath('form.name', sent)).toBeNull()
  })

  it('checks a file before uploading it', () => {
    expect(checkUploadFile({ name: 'a.pdf', type: 'application/pdf', size: 10 })).toBeNull()
    expect(checkUploadFile({ name: 'a.docx', type: 'application/msword', size: 10 })).toBe('仅支持 PDF、JPG、PNG 格式的文件')
    expect(checkUploadFile({ name: 'a.png', type: 'image/png', size: 0 })).toBe('文件是空的')
    expect(checkUploadFile({ name: 'a.png', type: 'image/png', size: 11 * 1024 * 1024 })).toBe('文件不能超过 10 MB')
  })

  it('speaks Chinese for the intake statuses and messages', () => {
    expect(caseStatusLabel('supplement_requested')).toBe('待补正')
    expect(timelineNote('window application taken by 综合窗口人员', (c) => c)).toBe('窗口收件（综合窗口人员）')
    expect(alertKindLabel('red')).toBe('红牌超时')
    const error = new ApiError({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      errors: [{ field: 'materials[0].license_no', message: 'the licence cannot stand for this material: no such licence' }],
    })
    expect(mapProblem(error).fields['materials[0].license_no']).toBe('该电子证照不存在，不能代替本项材料')
    const conflict = new ApiError({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'required materials are missing: 原件', errors: [{ field: 'materials', message: 'required materials are missing: 原件' }] })
    expect(mapProblem(conflict, { fields: ['materials'] }).fields.materials).toBe('缺少必需材料：原件')
  })
})

function figures(key: string, values: Partial<Figures>): Figures {
  return {
    key,
    volume: 0,
    finished: 0,
    concluded: 0,
    on_time: 0,
    on_time_rate: null,
    average_days: null,
    approvals: 0,
    instant_approvals: 0,
    instant_share: null,
    evaluations: 0,
    satisfaction: null,
    ...values,
  }
}

describe('performance dashboard', () => {
  it('counts days in Asia/Shanghai', () => {
    expect(shanghaiDate(new Date('2026-11-25T16:30:00Z'))).toBe('2026-11-26')
    expect(defaultPeriod(new Date('2026-11-25T16:30:00Z'), 30)).toEqual({ from: '2026-10-28', to: '2026-11-26' })
    expect(defaultPeriod(new Date('2026-03-01T01:00:00Z'), 7)).toEqual({ from: '2026-02-23', to: '2026-03-01' })
  })

  it('checks the period', () => {
    expect(checkPeriod('2026-11-01', '2026-11-30')).toEqual({})
    expect(checkPeriod('2026-11-30', '2026-11-01')).toEqual({ to: '截止日期不能早于起始日期' })
    expect(checkPeriod('', '')).toEqual({ from: '请选择起始日期', to: '请选择截止日期' })
  })

  it('weights rates and means by what they are of', () => {
    const rows = [
      figures('amr', { volume: 4, finished: 2, on_time: 2, average_days: 1, satisfaction: 5, evaluations: 1, approvals: 2, instant_approvals: 1 }),
      figures('hrss', { volume: 6, finished: 2, on_time: 1, average_days: 3, satisfaction: 2, evaluations: 3, approvals: 1, instant_approvals: 0 }),
      figures('new', { volume: 1 }),
    ]
    const sum = totals(rows)
    expect(sum.volume).toBe(11)
    expect(sum.finished).toBe(4)
    expect(sum.onTimeRate).toBe(0.75)
    expect(sum.averageDays).toBe(2)
    expect(sum.satisfaction).toBeCloseTo(2.75)
    expect(sum.instantShare).toBeCloseTo(1 / 3)
    expect(totals([])).toMatchObject({ volume: 0, onTimeRate: null, averageDays: null, satisfaction: null })
    expect(percent(0.756)).toBe('75.6%')
    expect(percent(null)).toBe('—')
  })

  it('builds a bar per department or item with readable names', () => {
    const rows = [figures('amr', { volume: 3, finished: 1, on_time_rate: 0.5, average_days: 1.234, satisfaction: 4.5 })]
    const charts = chartOptions(rows, (key) => (key === 'amr' ? '市场监督管理局' : key))
    expect(charts.volume.yAxis.data).toEqual(['市场监督管理局'])
    expect(charts.volume.series.map((s) => s.data)).toEqual([[3], [1]])
    expect(charts.onTime.series[0]!.data).toEqual([50])
    expect(charts.onTime.series[1]!.data).toEqual([null])
    expect(charts.duration.series[0]!.data).toEqual([1.23])
    expect(charts.satisfaction.series[0]!.data).toEqual([4.5])
  })
})

describe('performance trend by month', () => {
  it('cuts the last months at month ends, the current month at today (Asia/Shanghai)', () => {
    // 2026-11-30 17:00 UTC is already 1 December in Shanghai.
    expect(lastMonths(3, new Date('2026-11-30T17:00:00Z'))).toEqual([
      { month: '2026-10', from: '2026-10-01', to: '2026-10-31' },
      { month: '2026-11', from: '2026-11-01', to: '2026-11-30' },
      { month: '2026-12', from: '2026-12-01', to: '2026-12-01' },
    ])
    const year = lastMonths(12, new Date('2026-03-10T04:00:00Z'))
    expect(year).toHaveLength(12)
    expect(year[0]).toEqual({ month: '2025-04', from: '2025-04-01', to: '2025-04-30' })
    expect(year.find((p) => p.month === '2026-02')).toEqual({ month: '2026-02', from: '2026-02-01', to: '2026-02-28' })
    expect(year.at(-1)).toEqual({ month: '2026-03', from: '2026-03-01', to: '2026-03-10' })
    expect(monthLabel('2026-03')).toBe('2026年3月')
  })

  it('sums a month over every row, or takes one department or item (none that month is zero)', () => {
    const rows = [
      figures('amr', { volume: 4, finished: 2, on_time: 1, average_days: 2, satisfaction: 4, evaluations: 2 }),
      figures('psb', { volume: 2, finished: 2, on_time: 2, average_days: 5, satisfaction: 1, evaluations: 1 }),
    ]
    expect(trendTotals(rows, { kind: 'all' })).toMatchObject({ volume: 6, finished: 4, onTimeRate: 0.75, averageDays: 3.5, satisfaction: 3 })
    expect(trendTotals(rows, { kind: 'department', key: 'psb' })).toMatchObject({ volume: 2, onTimeRate: 1, averageDays: 5, satisfaction: 1 })
    expect(trendTotals(rows, { kind: 'item', key: 'NONE' })).toMatchObject({ volume: 0, finished: 0, onTimeRate: null, averageDays: null, satisfaction: null })
  })

  it('asks at most so many months at once and keeps them in order', async () => {
    let running = 0
    let most = 0
    const done = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1
      most = Math.max(most, running)
      await new Promise((r) => setTimeout(r, (7 - n) * 2))
      running -= 1
      return n * 10
    })
    expect(done).toEqual([10, 20, 30, 40, 50, 60, 70])
    expect(most).toBe(3)
    await expect(mapBounded([1, 2], 2, async (n) => { if (n === 2) throw new Error('boom'); return n })).rejects.toThrow('boom')
    expect(await mapBounded([], 4, async (n: number) => n)).toEqual([])
  })

  it('draws the four measures by month, leaving gaps where a month has nothing to measure', () => {
    const option = trendChartOption([
      { month: '2026-10', totals: trendTotals([figures('amr', { volume: 3, finished: 2, on_time: 1, average_days: 1.234, satisfaction: 4.5, evaluations: 2 })], { kind: 'all' }) },
      { month: '2026-11', totals: trendTotals([], { kind: 'all' }) },
    ])
    expect(option.xAxis.map((a) => a.data)).toEqual(Array(4).fill(['2026年10月', '11月']))
    const data = Object.fromEntries(option.series.map((s) => [s.name, s.data]))
    expect(data).toEqual({ 办件量: [3, 0], 已办结: [2, 0], 按时办结率: [50, null], 平均办理时长: [1.23, null], 满意度: [4.5, null] })
    expect(option.series.map((s) => s.xAxisIndex)).toEqual([0, 0, 1, 2, 3])
  })
})
