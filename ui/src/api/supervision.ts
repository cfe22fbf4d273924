import type { SM } from './schemas'
import { json, page, seg, send } from './http'
import type { Page, PageParams } from './http'

export type PerformanceBy = 'department' | 'item'

export type Figures = SM['FiguresOut']

export type AlertKind = 'yellow' | 'red' | 'state_overdue'

export type Alert = SM['AlertOut']

export function getPerformance(params: { from: string; to: string; by: PerformanceBy; signal?: AbortSignal }): Promise<Figures[]> {
  return json<Figures[]>('/supervision/performance', { query: { from: params.from, to: params.to, by: params.by }, signal: params.signal })
}

export function listAlerts(params: PageParams & { kind?: AlertKind | ''; signal?: AbortSignal } = {}): Promise<Page<Alert>> {
  return page<Alert>('/supervision/alerts', params, { kind: params.kind || undefined })
}

/** A day the working-day calendar lists: a weekday off (`holiday`) or a weekend day worked (`workday`). */
export type CalendarDay = SM['CalendarDayOut']

/** The calendar's listed days of a year (at most 366, not paginated by the API). */
export function listCalendarDays(year: number, signal?: AbortSignal): Promise<CalendarDay[]> {
  return json<CalendarDay[]>('/calendar', { query: { year }, signal })
}

export function getWorkingDay(day: string, signal?: AbortSignal): Promise<{ day: string; working_day: boolean }> {
  return json<{ day: string; working_day: boolean }>(`/calendar/${seg(day)}`, { signal })
}

/** Administrators: a weekday becomes a holiday, a weekend day an adjusted working day. */
export function setCalendarDay(day: string, body: { kind: 'holiday' | 'workday'; name: string }): Promise<CalendarDay> {
  return json<CalendarDay>(`/calendar/days/${seg(day)}`, { method: 'PUT', json: body })
}

export async function deleteCalendarDay(day: string): Promise<void> {
  await send(`/calendar/days/${seg(day)}`, { method: 'DELETE' })
}
