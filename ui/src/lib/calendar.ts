/**
 * The working-day calendar (工作日历) as the page shows it: a month grid (Monday first), the kind
 * of each day, what an administrator may change a day into, and whether a year's official
 * holiday arrangement (国务院办公厅通知) has been entered.
 *
 * The rule is service-management's (`gov_common.workdays.WorkCalendar`): a weekday is a working day
 * unless the calendar lists it as a holiday; a Saturday or Sunday is a day off unless the calendar
 * lists it as an adjusted working day (调休上班). Dates are plain `YYYY-MM-DD` strings, computed in
 * UTC so that the browser's time zone never shifts a day.
 */

/** A day the calendar lists (the API's `CalendarDayOut`). */
export interface CalendarEntry {
  day: string
  /** `holiday` (a weekday off) or `workday` (a weekend day worked) */
  kind: string
  name: string
}

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'adjusted_workday'

export interface DayCell {
  date: string
  /** day of the month */
  day: number
  /** whether the day belongs to the month shown (the grid pads whole weeks) */
  inMonth: boolean
  /** 0 Monday … 6 Sunday */
  weekday: number
  kind: DayKind
  entry: CalendarEntry | null
  isToday: boolean
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function toDate(date: string): Date {
  const match = ISO_DATE.exec(date)
  if (!match) throw new Error(`not a date: ${date}`)
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10)
}

export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value)
  if (!match) return false
  return iso(toDate(value)) === value
}

/** 0 Monday … 6 Sunday. */
export function weekdayOf(date: string): number {
  return (toDate(date).getUTCDay() + 6) % 7
}

export function isWeekend(date: string): boolean {
  return weekdayOf(date) >= 5
}

export function addDays(date: string, days: number): string {
  const value = toDate(date)
  value.setUTCDate(value.getUTCDate() + days)
  return iso(value)
}

/** What a day is, given the calendar's entry for it (if any). */
export function dayKind(date: string, entry?: CalendarEntry | null): DayKind {
  if (entry?.kind === 'workday') return 'adjusted_workday'
  if (entry?.kind === 'holiday') return 'holiday'
  return isWeekend(date) ? 'weekend' : 'workday'
}

export function isWorkingDay(kind: DayKind): boolean {
  return kind === 'workday' || kind === 'adjusted_workday'
}

const KIND_LABEL: Record<DayKind, string> = {
  workday: '工作日',
  weekend: '周末休息',
  holiday: '节假日',
  adjusted_workday: '调休上班',
}

export function dayKindLabel(kind: DayKind): string {
  return KIND_LABEL[kind]
}

/**
 * The one change the API accepts for a day: a weekday can only become a holiday, a weekend day
 * only an adjusted working day (anything else is what the day is anyway).
 */
export function overrideFor(date: string): 'holiday' | 'workday' {
  return isWeekend(date) ? 'workday' : 'holiday'
}

export function entriesByDay(entries: readonly CalendarEntry[]): Map<string, CalendarEntry> {
  return new Map(entries.map((e) => [e.day, e]))
}

/** The weeks (Monday first) covering a month; days of the neighbouring months fill the first and last week. */
export function monthGrid(year: number, month: number, entries: ReadonlyMap<string, CalendarEntry>, today = ''): DayCell[][] {
  const first = iso(new Date(Date.UTC(year, month - 1, 1)))
  const last = iso(new Date(Date.UTC(year, month, 0)))
  let date = addDays(first, -weekdayOf(first))
  const end = addDays(last, 6 - weekdayOf(last))
  const weeks: DayCell[][] = []
  while (date <= end) {
    const week: DayCell[] = []
    for (let i = 0; i < 7; i++) {
      const entry = entries.get(date) ?? null
      week.push({
        date,
        day: toDate(date).getUTCDate(),
        inMonth: date >= first && date <= last,
        weekday: i,
        kind: dayKind(date, entry),
        entry,
        isToday: date === today,
      })
      date = addDays(date, 1)
    }
    weeks.push(week)
  }
  return weeks
}

export interface Month {
  year: number
  month: number
}

export function shiftMonth(at: Month, delta: number): Month {
  const index = at.year * 12 + (at.month - 1) + delta
  return { year: Math.floor(index / 12), month: (index % 12) + 1 }
}

/** `2027-03` → { year: 2027, month: 3 }; undefined for anything else. */
export function parseMonth(value: unknown): Month | undefined {
  if (typeof value !== 'string') return undefined
  const match = /^(\d{4})-(\d{2})$/.exec(value)
  if (!match) return undefined
  const year = Number(match[1])
  const month = Number(match[2])
  if (year < 2000 || year > 2100 || month < 1 || month > 12) return undefined
  return { year, month }
}

export function monthKey(at: Month): string {
  return `${at.year}-${String(at.month).padStart(2, '0')}`
}

/** The `chinese_calendar` package names days in English; people read the Chinese. */
const FESTIVALS: { label: string; names: RegExp }[] = [
  { label: '元旦', names: /元旦|new year/i },
  { label: '春节', names: /春节|spring festival/i },
  { label: '清明节', names: /清明|tomb[- ]sweeping/i },
  { label: '劳动节', names: /劳动|labou?r day/i },
  { label: '端午节', names: /端午|dragon boat/i },
  { label: '中秋节', names: /中秋|mid[- ]autumn/i },
  { label: '国庆节', names: /国庆|national day/i },
]

/** The festivals a day's name mentions (a name may join two: 国庆节、中秋节). */
export function festivalsIn(name: string): string[] {
  return FESTIVALS.filter((f) => f.names.test(name)).map((f) => f.label)
}

/** A day's name in Chinese (the festivals it names) or as entered. */
export function holidayName(name: string): string {
  const festivals = festivalsIn(name)
  return festivals.length ? festivals.join('、') : name
}

/**
 * The festivals that every year's published arrangement gives weekdays off for. 中秋 may fall inside
 * the National Day week (2020) and 清明, 端午 on a weekend, so only these two mark a year as entered.
 */
const REQUIRED_FESTIVALS = ['春节', '国庆节']

export interface YearStatus {
  year: number
  holidays: number
  workdays: number
  /** the required festivals with no holiday in the year: the year's arrangement still has to be entered */
  missing: string[]
  complete: boolean
}

export function yearStatus(year: number, entries: readonly CalendarEntry[]): YearStatus {
  const ofYear = entries.filter((e) => e.day.startsWith(`${year}-`))
  const holidays = ofYear.filter((e) => e.kind === 'holiday')
  const named = new Set(holidays.flatMap((e) => festivalsIn(e.name)))
  const missing = REQUIRED_FESTIVALS.filter((label) => !named.has(label))
  return {
    year,
    holidays: holidays.length,
    workdays: ofYear.filter((e) => e.kind === 'workday').length,
    missing,
    complete: missing.length === 0,
  }
}

/** A deadline (the day included) has passed once today is later. */
export function isOverdue(deadline: string, today: string): boolean {
  return today > deadline
}

/** Calendar days from today until the deadline (negative once passed). */
export function daysUntil(deadline: string, today: string): number {
  return Math.round((toDate(deadline).getTime() - toDate(today).getTime()) / 86_400_000)
}
