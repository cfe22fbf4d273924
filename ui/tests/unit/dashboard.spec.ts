import { describe, expect, it } from 'vitest'
import type { Figures } from '@/api'
import { chartOptions, dashboard, durationText, monthsOf, recentMonths, shortMonthLabel, trendChartOption, type MonthFigures } from '@/lib/performance'

function row(key: string, values: Partial<Figures> = {}): Figures {
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

// Three months as the API answers them, by department and by item (the same cases).
const MONTHS: MonthFigures[] = [
  { month: '2026-10', byDepartment: [], byItem: [] },
  {
    month: '2026-11',
    byDepartment: [
      row('amr', { volume: 5, finished: 4, on_time: 3, average_days: 6.5, satisfaction: 4.5, evaluations: 2, approvals: 4, instant_approvals: 1, concluded: 4 }),
      row('psb', { volume: 2, finished: 2, on_time: 2, average_days: 0.01, satisfaction: 5, evaluations: 1, approvals: 2, instant_approvals: 2, concluded: 2 }),
    ],
    byItem: [
      row('AMR-1', { volume: 5, finished: 4, on_time: 3, average_days: 6.5, satisfaction: 4.5, evaluations: 2, approvals: 4, instant_approvals: 1, concluded: 4 }),
      row('PSB-1', { volume: 2, finished: 2, on_time: 2, average_days: 0.01, satisfaction: 5, evaluations: 1, approvals: 2, instant_approvals: 2, concluded: 2 }),
    ],
  },
  {
    month: '2026-12',
    byDepartment: [row('amr', { volume: 3, finished: 1, on_time: 0, average_days: 12, satisfaction: 2, evaluations: 1, approvals: 1, concluded: 1 })],
    byItem: [row('AMR-1', { volume: 3, finished: 1, on_time: 0, average_days: 12, satisfaction: 2, evaluations: 1, approvals: 1, concluded: 1 })],
  },
]

describe('the dashboard: one source, one period', () => {
  it('has KPIs equal to the sum of the trend table and of the table by department or item', () => {
    for (const by of ['department', 'item'] as const) {
      const board = dashboard(MONTHS, by, { kind: 'all' })
      const trendVolume = board.trend.reduce((n, p) => n + p.totals.volume, 0)
      const trendFinished = board.trend.reduce((n, p) => n + p.totals.finished, 0)
      expect(board.kpi.volume).toBe(10)
      expect(trendVolume).toBe(board.kpi.volume)
      expect(trendFinished).toBe(board.kpi.finished)
      expect(board.rows.reduce((n, r) => n + r.volume, 0)).toBe(board.kpi.volume)
      expect(board.rows.reduce((n, r) => n + r.evaluations, 0)).toBe(board.kpi.evaluations)
      // The trend's total row is the KPIs, every measure.
      expect(board.trendTotal).toEqual(board.kpi)
    }
  })

  it('merges the months per department with weighted means', () => {
    const board = dashboard(MONTHS, 'department', { kind: 'all' })
    const amr = board.rows.find((r) => r.key === 'amr')!
    expect(amr).toMatchObject({ volume: 8, finished: 5, on_time: 3, concluded: 5, approvals: 5, instant_approvals: 1, evaluations: 3 })
    expect(amr.average_days).toBeCloseTo((6.5 * 4 + 12) / 5)
    expect(amr.satisfaction).toBeCloseTo((4.5 * 2 + 2) / 3)
    expect(amr.on_time_rate).toBeCloseTo(3 / 5)
    expect(board.kpi.averageDays).toBeCloseTo((6.5 * 4 + 0.01 * 2 + 12) / 7)
  })

  it('narrows only the trend to a department or an item, its total still the sum of its months', () => {
    const board = dashboard(MONTHS, 'department', { kind: 'item', key: 'PSB-1' })
    expect(board.trend.map((p) => p.totals.volume)).toEqual([0, 2, 0])
    expect(board.trendTotal.volume).toBe(2)
    expect(board.kpi.volume).toBe(10)
  })

  it('splits a period into calendar months, clipped at both ends', () => {
    expect(monthsOf('2026-10-17', '2026-12-06')).toEqual([
      { month: '2026-10', from: '2026-10-17', to: '2026-10-31' },
      { month: '2026-11', from: '2026-11-01', to: '2026-11-30' },
      { month: '2026-12', from: '2026-12-01', to: '2026-12-06' },
    ])
    expect(monthsOf('2025-12-31', '2026-01-01').map((m) => m.month)).toEqual(['2025-12', '2026-01'])
    expect(recentMonths(6, new Date('2026-12-05T22:00:00Z'))).toEqual({ from: '2026-07-01', to: '2026-12-06' })
  })

  it('labels every month of the trend, and names departments in full', () => {
    const option = trendChartOption(dashboard(MONTHS, 'department', { kind: 'all' }).trend)
    expect(option.xAxis[0]!.data).toEqual(['2026年10月', '11月', '12月'])
    expect(option.xAxis.every((a) => a.axisLabel.interval === 0)).toBe(true)
    expect(shortMonthLabel('2027-01')).toBe('2027年1月')
    const charts = chartOptions([row('hrss')], () => '示范县人力资源和社会保障局')
    expect(charts.volume.yAxis.data).toEqual(['示范县人力资源和社会保障局'])
    expect(charts.volume.yAxis.axisLabel.overflow).toBe('break')
  })

  it('shows a short duration in hours or minutes rather than 0.00 days', () => {
    expect(durationText(6.54)).toBe('6.5 天')
    expect(durationText(0.25)).toBe('6.0 小时')
    expect(durationText(0.005)).toBe('7 分钟')
    expect(durationText(null)).toBe('—')
  })
})
