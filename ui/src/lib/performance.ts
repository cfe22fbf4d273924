/** The performance dashboard's arithmetic: the period, the totals over rows, the charts' options. */
import type { Figures } from '@/api'

/** YYYY-MM-DD of an instant in Asia/Shanghai (the API counts days there). */
export function shanghaiDate(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** The last `days` days up to today, in Asia/Shanghai. */
export function defaultPeriod(now: Date = new Date(), days = 30): { from: string; to: string } {
  const to = shanghaiDate(now)
  const start = new Date(`${to}T00:00:00Z`)
  start.setUTCDate(start.getUTCDate() - (days - 1))
  return { from: start.toISOString().slice(0, 10), to }
}

/** A period the API accepts: both dates given and the end not before the start. */
export function checkPeriod(from: string, to: string): Record<string, string> {
  const errors: Record<string, string> = {}
  const date = /^\d{4}-\d{2}-\d{2}$/
  if (!date.test(from)) errors.from = '请选择起始日期'
  if (!date.test(to)) errors.to = '请选择截止日期'
  if (!errors.from && !errors.to && to < from) errors.to = '截止日期不能早于起始日期'
  return errors
}

export interface Totals {
  volume: number
  finished: number
  onTimeRate: number | null
  averageDays: number | null
  satisfaction: number | null
  evaluations: number
  instantShare: number | null
}

/** Over all rows: counts summed, rates and means weighted by what they are rates and means of. */
export function totals(rows: readonly Figures[]): Totals {
  let volume = 0
  let finished = 0
  let onTime = 0
  let dayWeight = 0
  let daySum = 0
  let evaluations = 0
  let ratingSum = 0
  let approvals = 0
  let instant = 0
  for (const row of rows) {
    volume += row.volume
    finished += row.finished
    onTime += row.on_time
    if (row.average_days !== null && row.finished > 0) {
      daySum += row.average_days * row.finished
      dayWeight += row.finished
    }
    if (row.satisfaction !== null && row.evaluations > 0) {
      ratingSum += row.satisfaction * row.evaluations
      evaluations += row.evaluations
    }
    approvals += row.approvals
    instant += row.instant_approvals
  }
  return {
    volume,
    finished,
    onTimeRate: finished ? onTime / finished : null,
    averageDays: dayWeight ? daySum / dayWeight : null,
    satisfaction: evaluations ? ratingSum / evaluations : null,
    evaluations,
    instantShare: approvals ? instant / approvals : null,
  }
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
}

export function fixed(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits)
}

/** The dashboard's four charts, each a bar per department or item. */
export function chartOptions(rows: readonly Figures[], labelOf: (key: string) => string) {
  const names = rows.map((r) => labelOf(r.key))
  const axis = { type: 'category' as const, data: names, axisLabel: { interval: 0, overflow: 'truncate' as const, width: 90 } }
  const grid = { left: 48, right: 16, top: 40, bottom: 48, containLabel: true }
  const tooltip = { trigger: 'axis' as const }
  return {
    volume: {
      tooltip,
      grid,
      legend: { top: 0 },
      xAxis: axis,
      yAxis: { type: 'value' as const, minInterval: 1, name: '件' },
      series: [
        { name: '办件量', type: 'bar' as const, data: rows.map((r) => r.volume) },
        { name: '已办结', type: 'bar' as const, data: rows.map((r) => r.finished) },
      ],
    },
    onTime: {
      tooltip,
      grid,
      legend: { top: 0 },
      xAxis: axis,
      yAxis: { type: 'value' as const, max: 100, name: '%' },
      series: [
        { name: '按时办结率', type: 'bar' as const, data: rows.map((r) => (r.on_time_rate === null ? null : Math.round(r.on_time_rate * 1000) / 10)) },
        { name: '秒批占比', type: 'bar' as const, data: rows.map((r) => (r.instant_share === null ? null : Math.round(r.instant_share * 1000) / 10)) },
      ],
    },
    duration: {
      tooltip,
      grid,
      xAxis: axis,
      yAxis: { type: 'value' as const, name: '天' },
      series: [{ name: '平均办理时长（天）', type: 'bar' as const, data: rows.map((r) => (r.average_days === null ? null : Math.round(r.average_days * 100) / 100)) }],
    },
    satisfaction: {
      tooltip,
      grid,
      xAxis: axis,
      yAxis: { type: 'value' as const, min: 0, max: 5, name: '分' },
      series: [{ name: '满意度（1–5分）', type: 'bar' as const, data: rows.map((r) => r.satisfaction) }],
    },
  }
}

// ---------------------------------------------------------------- the trend by month

/** One calendar month as a period the API answers: its first day to its last (to today for the current month). */
export interface MonthPeriod {
  /** YYYY-MM */
  month: string
  from: string
  to: string
}

export const TREND_MONTHS = [6, 12] as const

/** The last `count` months up to today's in Asia/Shanghai, oldest first. */
export function lastMonths(count: number, now: Date = new Date()): MonthPeriod[] {
  const today = shanghaiDate(now)
  const year = Number(today.slice(0, 4))
  const month = Number(today.slice(5, 7))
  const periods: MonthPeriod[] = []
  for (let back = count - 1; back >= 0; back--) {
    const first = new Date(Date.UTC(year, month - 1 - back, 1))
    const last = new Date(Date.UTC(year, month - back, 0))
    const from = first.toISOString().slice(0, 10)
    const end = last.toISOString().slice(0, 10)
    periods.push({ month: from.slice(0, 7), from, to: end > today ? today : end })
  }
  return periods
}

/** What the trend is about: every row the caller may see, or one department's or one item's row. */
export type TrendScope = { kind: 'all' } | { kind: 'department'; key: string } | { kind: 'item'; key: string }

/** The figures of one month for a scope (a department or an item without cases that month counts as zero). */
export function trendTotals(rows: readonly Figures[], scope: TrendScope): Totals {
  return totals(scope.kind === 'all' ? rows : rows.filter((r) => r.key === scope.key))
}

export interface TrendPoint {
  month: string
  totals: Totals
}

/**
 * Runs `task` over `inputs` with at most `limit` running at once; the results keep the inputs'
 * order. The first failure rejects (the tasks already started run on).
 */
export async function mapBounded<T, R>(inputs: readonly T[], limit: number, task: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < inputs.length) {
      const index = next++
      results[index] = await task(inputs[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, worker))
  return results
}

function round(value: number | null, digits: number): number | null {
  if (value === null) return null
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** `2026-06` → `2026年6月` */
export function monthLabel(month: string): string {
  return `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`
}

/**
 * One chart with four small panels sharing the months: volume (and finished), on-time rate,
 * average duration, satisfaction. A month without finished cases or ratings is a gap, not a zero.
 */
export function trendChartOption(points: readonly TrendPoint[]) {
  const months = points.map((p) => monthLabel(p.month))
  const panels = [
    { title: '办件量（件）', left: '3%', top: '7%', grid: '13%' },
    { title: '按时办结率（%）', left: '53%', top: '7%', grid: '13%' },
    { title: '平均办理时长（天）', left: '3%', top: '55%', grid: '61%' },
    { title: '满意度（1–5分）', left: '53%', top: '55%', grid: '61%' },
  ]
  return {
    tooltip: { trigger: 'axis' as const },
    legend: { top: 0, data: ['办件量', '已办结', '按时办结率', '平均办理时长', '满意度'] },
    title: panels.map((p) => ({ text: p.title, left: p.left, top: p.top, textStyle: { fontSize: 13, fontWeight: 'normal' as const } })),
    grid: panels.map((p) => ({ left: p.left, top: p.grid, width: '44%', height: '30%', containLabel: true })),
    xAxis: panels.map((_p, i) => ({ type: 'category' as const, gridIndex: i, data: months, axisLabel: { fontSize: 11 } })),
    yAxis: [
      { type: 'value' as const, gridIndex: 0, minInterval: 1 },
      { type: 'value' as const, gridIndex: 1, min: 0, max: 100 },
      { type: 'value' as const, gridIndex: 2, min: 0 },
      { type: 'value' as const, gridIndex: 3, min: 0, max: 5 },
    ],
    series: [
      { name: '办件量', type: 'bar' as const, xAxisIndex: 0, yAxisIndex: 0, data: points.map((p) => p.totals.volume) },
      { name: '已办结', type: 'bar' as const, xAxisIndex: 0, yAxisIndex: 0, data: points.map((p) => p.totals.finished) },
      { name: '按时办结率', type: 'line' as const, xAxisIndex: 1, yAxisIndex: 1, connectNulls: false, data: points.map((p) => round(p.totals.onTimeRate === null ? null : p.totals.onTimeRate * 100, 1)) },
      { name: '平均办理时长', type: 'line' as const, xAxisIndex: 2, yAxisIndex: 2, connectNulls: false, data: points.map((p) => round(p.totals.averageDays, 2)) },
      { name: '满意度', type: 'line' as const, xAxisIndex: 3, yAxisIndex: 3, connectNulls: false, data: points.map((p) => round(p.totals.satisfaction, 2)) },
    ],
  }
}
