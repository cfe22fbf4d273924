/**
 * The leaders' cockpit (领导驾驶舱): how its rows are shown. A figure the API suppressed (built from
 * fewer than 5 cases, shown outside the department that owns them) reads "—（少于5件）"; shares are
 * percentages; the drill-down goes county → department → item.
 */
import type { ChartOption } from '@/components/EChart.vue'
import type { CockpitFilters, CockpitRow } from '@/api'

export const SUPPRESSED_TEXT = '—（少于5件）'

/** The fields that name a row (never suppressed). */
export const KEY_FIELDS = new Set(['period', 'stage', 'department_code', 'department_name', 'step', 'item_code', 'item_name', 'material_code', 'material_name', 'key', 'name', 'level', 'code', 'suppressed'])

const SHARES = new Set(['share', 'share_of_submitted', 'instant_share', 'on_time_rate', 'satisfied_share', 'supplemented_share'])

export const STAGES: Record<string, string> = { submitted: '申请', accepted: '受理', decided: '作出决定', concluded: '办结' }
export const CHANNELS: Record<string, string> = { online: '网上办理', window: '窗口办理', mobile: '移动端', self_service: '自助终端' }
export const LEVELS: Record<string, string> = { province: '省', city: '市', county: '县（区）', department: '部门', item: '事项' }

export function isSuppressed(row: CockpitRow, field: string): boolean {
  return row.suppressed === true && !KEY_FIELDS.has(field) && (row[field] === null || row[field] === undefined)
}

/** A cell as the page shows it. */
export function cellText(row: CockpitRow, field: string): string {
  const value = row[field]
  if (isSuppressed(row, field)) return SUPPRESSED_TEXT
  if (value === null || value === undefined) return '—'
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (typeof value === 'number' && SHARES.has(field)) return `${(value * 100).toFixed(1)}%`
  if (field === 'stage') return STAGES[String(value)] ?? String(value)
  if (field === 'level') return LEVELS[String(value)] ?? String(value)
  return String(value)
}

/** The label of a row for bars and links: its name if known, else its code. */
export function rowLabel(row: CockpitRow): string {
  if (typeof row.stage === 'string') return STAGES[row.stage] ?? row.stage
  if (typeof row.key === 'string' && CHANNELS[row.key]) return CHANNELS[row.key] ?? row.key
  for (const field of ['name', 'material_name', 'department_name', 'key', 'code', 'material_code', 'period', 'step']) {
    const value = row[field]
    if (typeof value === 'string' && value) return value
  }
  return ''
}

export interface Bar {
  label: string
  value: number | null
  text: string
  /** Width in per cent of the largest value (0 when suppressed). */
  width: number
  suppressed: boolean
}

/** Bars drawn with CSS: one per row, for one figure. */
export function bars(rows: CockpitRow[], field: string, label: (row: CockpitRow) => string = rowLabel): Bar[] {
  const values: (number | null)[] = rows.map((r) => (typeof r[field] === 'number' ? (r[field] as number) : null))
  const max = Math.max(0, ...values.map((v) => v ?? 0))
  return rows.map((row, index) => {
    const value = values[index] ?? null
    return {
      label: label(row),
      value,
      text: cellText(row, field),
      width: value === null || max === 0 ? 0 : Math.round((value / max) * 1000) / 10,
      suppressed: isSuppressed(row, field),
    }
  })
}

export interface DrillStep {
  label: string
  filters: Pick<CockpitFilters, 'division' | 'department'>
}

/** Where a click on a row of the division view leads: a county → its departments → their items. */
export function drillInto(row: CockpitRow, current: Pick<CockpitFilters, 'division' | 'department'>): Pick<CockpitFilters, 'division' | 'department'> | null {
  const code = typeof row.code === 'string' ? row.code : null
  if (!code) return null
  if (row.level === 'county' || row.level === 'city' || row.level === 'province') return { division: code }
  if (row.level === 'department' && current.division) return { division: current.division, department: code }
  return null
}

/** The volumes trend as a line chart (a suppressed period is a gap, not a zero). */
export function volumesChart(rows: CockpitRow[]): ChartOption {
  const series = (field: string, name: string) => ({ name, type: 'line' as const, connectNulls: false, data: rows.map((r) => (typeof r[field] === 'number' ? (r[field] as number) : null)) })
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 32 },
    xAxis: { type: 'category', data: rows.map((r) => String(r.period)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [series('cases', '申请'), series('accepted', '受理'), series('concluded', '办结'), series('instant', '秒批')],
  }
}

/** The file name of an export. */
export function exportName(title: string, filters: CockpitFilters, format: 'csv' | 'xlsx'): string {
  const span = [filters.date_from, filters.date_to].filter(Boolean).join('至')
  return `领导驾驶舱-${title}${span ? `-${span}` : ''}.${format}`
}
