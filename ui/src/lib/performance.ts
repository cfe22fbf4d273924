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
