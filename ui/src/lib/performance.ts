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

/**
 * The dashboard's four charts, each a horizontal bar per department or item: the names stand on the
 * vertical axis in full (wrapped, never cut short), and the tooltip names the bar too.
 */
export function chartOptions(rows: readonly Figures[], labelOf: (key: string) => string) {
  const names = rows.map((r) => labelOf(r.key))
  const axis = { type: 'category' as const, data: names, inverse: true, axisLabel: { interval: 0, overflow: 'break' as const, width: 150, lineHeight: 16 } }
  const grid = { left: 8, right: 24, top: 40, bottom: 8, containLabel: true }
  const tooltip = { trigger: 'axis' as const, axisPointer: { type: 'shadow' as const } }
  return {
    volume: {
      tooltip,
      grid,
      legend: { top: 0 },
      yAxis: axis,
      xAxis: { type: 'value' as const, minInterval: 1, name: '件' },
      series: [
        { name: '办件量', type: 'bar' as const, data: rows.map((r) => r.volume) },
        { name: '已办结', type: 'bar' as const, data: rows.map((r) => r.finished) },
      ],
    },
    onTime: {
      tooltip,
      grid,
      legend: { top: 0 },
      yAxis: axis,
      xAxis: { type: 'value' as const, max: 100, name: '%' },
      series: [
        { name: '按时办结率', type: 'bar' as const, data: rows.map((r) => (r.on_time_rate === null ? null : Math.round(r.on_time_rate * 1000) / 10)) },
        { name: '秒批占比', type: 'bar' as const, data: rows.map((r) => (r.instant_share === null ? null : Math.round(r.instant_share * 1000) / 10)) },
      ],
    },
    duration: {
      tooltip,
      grid,
      yAxis: axis,
      xAxis: { type: 'value' as const, name: '天' },
      series: [{ name: '平均办理时长（天）', type: 'bar' as const, data: rows.map((r) => (r.average_days === null ? null : Math.round(r.average_days * 100) / 100)) }],
    },
    satisfaction: {
      tooltip,
      grid,
      yAxis: axis,
      xAxis: { type: 'value' as const, min: 0, max: 5, name: '分' },
      series: [{ name: '满意度（1–5分）', type: 'bar' as const, data: rows.map((r) => r.satisfaction) }],
    },
  }
}

/** A chart's height for `count` bars with names of up to two lines. */
export function chartHeight(count: number): number {
  return Math.max(220, 70 + count * 44)
}

/** An average duration as people read it: days, or hours when under a day (an instant approval's minutes are not "0.00 天"). */
export function durationText(days: number | null | undefined): string {
  if (days === null || days === undefined) return '—'
  if (days >= 1) return `${days.toFixed(1)} 天`
  const hours = days * 24
  if (hours >= 1) return `${hours.toFixed(1)} 小时`
  return `${Math.max(1, Math.round(hours * 60))} 分钟`
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

/** A chart axis's label: `6月`, with the year on the first month shown and on January. */
export function shortMonthLabel(month: string, first = false): string {
  return first || month.endsWith('-01') ? monthLabel(month) : `${Number(month.slice(5, 7))}月`
}

// ---------------------------------------------------------------- one source for the whole page

/** The calendar months of a period, the first and the last clipped to it, oldest first. */
export function monthsOf(from: string, to: string): MonthPeriod[] {
  const periods: MonthPeriod[] = []
  let year = Number(from.slice(0, 4))
  let month = Number(from.slice(5, 7))
  for (;;) {
    const first = new Date(Date.UTC(year, month - 1, 1)).toISOString().slice(0, 10)
    const last = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10)
    if (first > to) break
    periods.push({ month: first.slice(0, 7), from: first < from ? from : first, to: last > to ? to : last })
    month += 1
    if (month > 12) {
      month = 1
      year += 1
    }
  }
  return periods
}

/** The last `count` calendar months up to today (Asia/Shanghai) as one period: the page's default. */
export function recentMonths(count: number, now: Date = new Date()): { from: string; to: string } {
  const months = lastMonths(count, now)
  return { from: months[0]!.from, to: months.at(-1)!.to }
}

/** The longest period the page counts month by month. */
export const MAX_MONTHS = 24

/** One month's rows of the API, by department and by item (the same cases counted two ways). */
export interface MonthFigures {
  month: string
  byDepartment: Figures[]
  byItem: Figures[]
}

/** Rows of several months merged per key: counts summed, rates and means weighted again. */
export function mergeRows(rows: readonly Figures[]): Figures[] {
  const byKey = new Map<string, Figures[]>()
  for (const row of rows) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row])
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, parts]) => {
      const t = totals(parts)
      const concluded = parts.reduce((n, p) => n + p.concluded, 0)
      const approvals = parts.reduce((n, p) => n + p.approvals, 0)
      const instant = parts.reduce((n, p) => n + p.instant_approvals, 0)
      const onTime = parts.reduce((n, p) => n + p.on_time, 0)
      return {
        key,
        volume: t.volume,
        finished: t.finished,
        concluded,
        on_time: onTime,
        on_time_rate: t.onTimeRate,
        average_days: t.averageDays,
        approvals,
        instant_approvals: instant,
        instant_share: t.instantShare,
        evaluations: t.evaluations,
        satisfaction: t.satisfaction,
      }
    })
}

export interface Dashboard {
  /** The KPIs: every case of the period the viewer may see. */
  kpi: Totals
  /** The table and charts by the chosen dimension, over the same period. */
  rows: Figures[]
  /** The trend: the same months, for the chosen scope. */
  trend: TrendPoint[]
  /** The trend's months added up (for the whole scope this is the KPIs). */
  trendTotal: Totals
}

/** Every figure of the page from the same months' rows: the KPIs, the table, the charts, the trend. */
export function dashboard(months: readonly MonthFigures[], by: 'department' | 'item', scope: TrendScope): Dashboard {
  const departments = months.flatMap((m) => m.byDepartment)
  const rowsOf = (m: MonthFigures) => (scope.kind === 'item' ? m.byItem : m.byDepartment)
  const trend = months.map((m) => ({ month: m.month, totals: trendTotals(rowsOf(m), scope) }))
  const scoped = months.flatMap((m) => (scope.kind === 'all' ? rowsOf(m) : rowsOf(m).filter((r) => r.key === scope.key)))
  return {
    kpi: totals(departments),
    rows: mergeRows(by === 'department' ? departments : months.flatMap((m) => m.byItem)),
    trend,
    trendTotal: totals(scoped),
  }
}

/**
 * One chart with four small panels sharing the months: volume (and finished), on-time rate,
 * average duration, satisfaction. A month without finished cases or ratings is a gap, not a zero.
 */
export function trendChartOption(points: readonly TrendPoint[]) {
  const months = points.map((p, i) => shortMonthLabel(p.month, i === 0))
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
    // Every month labelled (ECharts would otherwise skip some when they do not fit): short labels,
    // the year on the first month and on each January, turned when there are many.
    xAxis: panels.map((_p, i) => ({
      type: 'category' as const,
      gridIndex: i,
      data: months,
      axisLabel: { fontSize: 11, interval: 0, hideOverlap: false, rotate: points.length > 6 ? 45 : 0 },
    })),
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
