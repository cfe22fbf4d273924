import { describe, expect, it } from 'vitest'
import {
  addDays,
  dayKind,
  dayKindLabel,
  daysUntil,
  entriesByDay,
  holidayName,
  isIsoDate,
  isOverdue,
  isWorkingDay,
  monthGrid,
  monthKey,
  overrideFor,
  parseMonth,
  shiftMonth,
  weekdayOf,
  yearStatus,
  type CalendarEntry,
} from '@/lib/calendar'

// As service-management seeds them from chinese_calendar (English names), plus one entered by hand.
const ENTRIES: CalendarEntry[] = [
  { day: '2026-01-01', kind: 'holiday', name: "New Year's Day" },
  { day: '2026-01-02', kind: 'holiday', name: "New Year's Day" },
  { day: '2026-01-04', kind: 'workday', name: "New Year's Day" },
  { day: '2026-02-16', kind: 'holiday', name: 'Spring Festival' },
  { day: '2026-02-14', kind: 'workday', name: 'Spring Festival' },
  { day: '2026-10-01', kind: 'holiday', name: 'National Day' },
  { day: '2027-03-03', kind: 'holiday', name: '县庆' },
]

describe('working-day calendar: days', () => {
  it('knows weekdays without the browser time zone', () => {
    expect(weekdayOf('2026-11-23')).toBe(0) // Monday
    expect(weekdayOf('2026-11-29')).toBe(6) // Sunday
    expect(weekdayOf('2027-01-01')).toBe(4) // Friday
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
    expect(isIsoDate('2026-02-29')).toBe(false)
    expect(isIsoDate('2028-02-29')).toBe(true)
  })

  it('tells the four kinds of day apart as service-management counts them', () => {
    const byDay = entriesByDay(ENTRIES)
    expect(dayKind('2026-11-25', byDay.get('2026-11-25'))).toBe('workday')
    expect(dayKind('2026-11-28', byDay.get('2026-11-28'))).toBe('weekend')
    expect(dayKind('2026-01-01', byDay.get('2026-01-01'))).toBe('holiday')
    expect(dayKind('2026-01-04', byDay.get('2026-01-04'))).toBe('adjusted_workday') // a Sunday worked
    expect(['workday', 'adjusted_workday'].map((k) => isWorkingDay(k as never))).toEqual([true, true])
    expect(isWorkingDay('holiday')).toBe(false)
    expect(isWorkingDay('weekend')).toBe(false)
    expect(dayKindLabel('adjusted_workday')).toBe('调休上班')
    expect(dayKindLabel('holiday')).toBe('节假日')
  })

  it('offers only the change the API accepts: a weekday off, or a weekend day worked', () => {
    expect(overrideFor('2027-03-03')).toBe('holiday') // Wednesday
    expect(overrideFor('2027-03-06')).toBe('workday') // Saturday
    expect(overrideFor('2027-03-07')).toBe('workday') // Sunday
  })
})

describe('working-day calendar: the month grid', () => {
  it('covers the month in whole weeks, Monday first', () => {
    const grid = monthGrid(2026, 2, entriesByDay(ENTRIES), '2026-02-16')
    // February 2026 starts on a Sunday: the first week begins on Monday 26 January.
    expect(grid[0]![0]!.date).toBe('2026-01-26')
    expect(grid[0]![6]).toMatchObject({ date: '2026-02-01', inMonth: true, weekday: 6, kind: 'weekend' })
    expect(grid.at(-1)!.at(-1)!.date).toBe('2026-03-01')
    expect(grid.every((week) => week.length === 7)).toBe(true)
    expect(grid.flat().filter((c) => c.inMonth)).toHaveLength(28)
    expect(grid.flat().find((c) => c.date === '2026-02-14')).toMatchObject({ kind: 'adjusted_workday', entry: { name: 'Spring Festival' } })
    expect(grid.flat().find((c) => c.date === '2026-02-16')).toMatchObject({ kind: 'holiday', isToday: true })
    expect(grid.flat().filter((c) => c.isToday)).toHaveLength(1)
  })

  it('pads a month that ends on a Sunday with nothing after it', () => {
    const grid = monthGrid(2026, 5, new Map())
    expect(grid[0]![0]!.date).toBe('2026-04-27')
    expect(grid.at(-1)!.at(-1)!.date).toBe('2026-05-31')
  })

  it('moves between months and reads them from the address', () => {
    expect(shiftMonth({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 })
    expect(shiftMonth({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 })
    expect(shiftMonth({ year: 2026, month: 11 }, -12)).toEqual({ year: 2025, month: 11 })
    expect(parseMonth('2027-03')).toEqual({ year: 2027, month: 3 })
    expect(parseMonth('2027-13')).toBeUndefined()
    expect(parseMonth('2027-3')).toBeUndefined()
    expect(parseMonth(['2027-03'])).toBeUndefined()
    expect(monthKey({ year: 2027, month: 3 })).toBe('2027-03')
  })
})

describe('working-day calendar: whether a year has been entered', () => {
  it('names festivals in Chinese, and keeps names entered by hand', () => {
    expect(holidayName('Spring Festival')).toBe('春节')
    expect(holidayName('Mid-autumn Festival')).toBe('中秋节')
    expect(holidayName('Tomb-sweeping Day')).toBe('清明节')
    expect(holidayName('National Day, Mid-autumn Festival')).toBe('中秋节、国庆节')
    expect(holidayName('县庆')).toBe('县庆')
  })

  it('counts a year as entered once its Spring Festival and National Day holidays are there', () => {
    expect(yearStatus(2026, ENTRIES)).toEqual({ year: 2026, holidays: 4, workdays: 2, missing: [], complete: true })
    // 2027: the chinese_calendar data ends with 2026; one day entered by hand does not make the year.
    expect(yearStatus(2027, ENTRIES)).toEqual({ year: 2027, holidays: 1, workdays: 0, missing: ['春节', '国庆节'], complete: false })
    expect(yearStatus(2028, ENTRIES)).toMatchObject({ holidays: 0, complete: false, missing: ['春节', '国庆节'] })
    expect(yearStatus(2027, [...ENTRIES, { day: '2027-02-08', kind: 'holiday', name: '春节' }]).missing).toEqual(['国庆节'])
    expect(yearStatus(2027, [...ENTRIES, { day: '2027-02-08', kind: 'holiday', name: '春节' }, { day: '2027-10-01', kind: 'holiday', name: '国庆节、中秋节' }]).complete).toBe(true)
  })
})

describe('rectification deadlines', () => {
  it('is overdue only after the deadline day', () => {
    expect(isOverdue('2026-11-25', '2026-11-25')).toBe(false)
    expect(isOverdue('2026-11-25', '2026-11-26')).toBe(true)
    expect(isOverdue('2026-12-01', '2026-11-26')).toBe(false)
    expect(daysUntil('2026-12-01', '2026-11-26')).toBe(5)
    expect(daysUntil('2026-11-20', '2026-11-26')).toBe(-6)
  })
})
