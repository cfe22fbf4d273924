import { describe, expect, it } from 'vitest'
import {
  actionText,
  allowedActions,
  checkOpinion,
  committedLimit,
  dueDate,
  lastActionText,
  materialProvision,
  myActionText,
  openTasks,
  remainingTime,
  remainingWorkingDays,
  reviewMessage,
  taskData,
  workingDayFrom,
  type ChainStep,
  type WorkClock,
} from '@/lib/worklist'

// 2026-10: National Day holiday 1–8 Oct (Thu–Thu), 10 Oct (Saturday) worked.
const calendar = workingDayFrom([
  ...['01', '02', '05', '06', '07', '08'].map((d) => ({ day: `2026-10-${d}`, kind: 'holiday' })),
  { day: '2026-10-10', kind: 'workday' },
])

/** 24:00 Asia/Shanghai of a day, as the API writes due_at (UTC). */
function endOf(day: string): string {
  return new Date(new Date(`${day}T00:00:00+08:00`).getTime() + 86_400_000).toISOString()
}

function clock(due: string | null, extra: Partial<WorkClock> = {}): WorkClock {
  return { due_at: due, paused: false, remaining_working_days: 10, remaining_seconds: null, overdue: false, ...extra }
}

describe('remaining working days on the calendar', () => {
  it('reads the last working day from a due time of 24:00 Shanghai', () => {
    expect(dueDate('2026-11-30T16:00:00Z')).toBe('2026-11-30')
    expect(dueDate(endOf('2026-10-12'))).toBe('2026-10-12')
  })

  it('counts holidays out and worked weekend days in, from the next day on', () => {
    expect(calendar('2026-10-05')).toBe(false) // a Monday off
    expect(calendar('2026-10-10')).toBe(true) // a Saturday worked
    expect(calendar('2026-10-11')).toBe(false) // an ordinary Sunday
    // From Wednesday 30 Sep to Monday 12 Oct: 9 Oct (Fri), 10 Oct (Sat, worked), 12 Oct (Mon).
    expect(remainingWorkingDays(new Date('2026-09-30T10:00:00+08:00'), endOf('2026-10-12'), calendar)).toBe(3)
    expect(remainingWorkingDays(new Date('2026-10-12T23:00:00+08:00'), endOf('2026-10-12'), calendar)).toBe(0)
    // Two working days late: 13 and 14 Oct.
    expect(remainingWorkingDays(new Date('2026-10-14T09:00:00+08:00'), endOf('2026-10-12'), calendar)).toBe(-2)
  })

  it('takes the Shanghai date, not the UTC one, for "today"', () => {
    // 2026-11-26 01:00 in Shanghai is still 25 Nov in UTC.
    expect(remainingWorkingDays(new Date('2026-11-25T17:00:00Z'), endOf('2026-11-27'), calendar)).toBe(1)
  })
})

describe('the yellow and red marks', () => {
  const now = new Date('2026-11-16T10:00:00+08:00') // a Monday

  it('is normal with most of the limit left', () => {
    const mark = remainingTime(clock(endOf('2026-11-27')), { now, limitDays: 10, isWorking: calendar })
    expect(mark).toEqual({ level: 'normal', days: 9, text: '剩余 9 个工作日' })
  })

  it('turns yellow once 80 % of the committed working days are used, as the supervision scan does', () => {
    // 2 of 10 days left: 80 % used.
    expect(remainingTime(clock(endOf('2026-11-18')), { now, limitDays: 10, isWorking: calendar }).level).toBe('yellow')
    // 3 of 10 days left: 70 % used.
    expect(remainingTime(clock(endOf('2026-11-19')), { now, limitDays: 10, isWorking: calendar }).level).toBe('normal')
    // Due today: the whole limit used, not yet overdue.
    expect(remainingTime(clock(endOf('2026-11-16')), { now, limitDays: 10, isWorking: calendar })).toEqual({ level: 'yellow', days: 0, text: '今日到期' })
  })

  it('turns red past the due time, with the working days late', () => {
    const mark = remainingTime(clock(endOf('2026-11-12'), { overdue: true }), { now, limitDays: 10, isWorking: calendar })
    expect(mark).toEqual({ level: 'red', days: -2, text: '已超期 2 个工作日' })
    // The API's own verdict counts even without the calendar.
    expect(remainingTime(clock(endOf('2026-11-20'), { overdue: true }), { now }).level).toBe('red')
  })

  it('shows a paused clock as paused, never yellow or red, with the days frozen at the pause', () => {
    const mark = remainingTime(clock(endOf('2026-11-12'), { paused: true, remaining_working_days: 4 }), { now, limitDays: 10, isWorking: calendar })
    expect(mark).toEqual({ level: 'paused', days: 4, text: '已暂停（剩余 4 个工作日）' })
  })

  it('has no mark without a clock, and no yellow without a known limit', () => {
    expect(remainingTime(clock(null)).level).toBe('none')
    expect(remainingTime(null).level).toBe('none')
    expect(remainingTime(clock(endOf('2026-11-17')), { now, isWorking: calendar }).level).toBe('normal')
  })

  it('falls back to the days as last reported when the calendar is unavailable', () => {
    expect(remainingTime(clock(endOf('2026-11-27'), { remaining_working_days: 7 }), { now, limitDays: 10 }).text).toBe('剩余 7 个工作日')
  })

  it('measures against the limit the case was filed with, not the item\'s current one', () => {
    // Filed with 10 days; the catalogue has since cut the item to 3. 2 of 10 left: yellow by the case's own limit.
    const limit = committedLimit({ committed_days: 10 }, 3)
    expect(limit).toBe(10)
    expect(remainingTime(clock(endOf('2026-11-18')), { now, limitDays: limit, isWorking: calendar }).level).toBe('yellow')
    // Filed with 20, now 25: 5 of 20 left is 75 % used, not yet (by 25 it would be 80 %, yellow).
    expect(remainingTime(clock(endOf('2026-11-23')), { now, limitDays: committedLimit({ committed_days: 20 }, 25), isWorking: calendar }).level).toBe('normal')
    expect(remainingTime(clock(endOf('2026-11-23')), { now, limitDays: 25, isWorking: calendar }).level).toBe('yellow')
    // A case dispatched before the limit was kept: the catalogue's, or none.
    expect(committedLimit({ committed_days: null }, 3)).toBe(3)
    expect(committedLimit({}, null)).toBeNull()
    // Zero committed days is a limit, not a missing one.
    expect(committedLimit({ committed_days: 0 }, 10)).toBe(0)
  })
})

const THREE: ChainStep[] = [
  { no: 1, name: 'handle', label: '承办', role: 'handler' },
  { no: 2, name: 'review', label: '审核', role: 'reviewer' },
  { no: 3, name: 'approve', label: '批准', role: 'approver' },
]

describe('the actions a step allows whom', () => {
  it('lets the first step pass on only (nothing before it to send back to)', () => {
    const allowed = allowedActions({ status: 'pending', current_step: 1, chain: THREE }, ['handler'])
    expect(allowed.actions.map((a) => [a.action, a.label])).toEqual([['pass', '通过，转审核']])
    expect(allowed.step?.label).toBe('承办')
  })

  it('lets a middle step pass on or send back to the previous step', () => {
    const allowed = allowedActions({ status: 'pending', current_step: 2, chain: THREE }, ['reviewer'])
    expect(allowed.actions.map((a) => a.action)).toEqual(['pass', 'send_back'])
    expect(allowed.actions[1]).toMatchObject({ label: '退回承办', to: { no: 1, name: 'handle' } })
  })

  it('lets the last step decide or send back', () => {
    const allowed = allowedActions({ status: 'pending', current_step: 3, chain: THREE }, ['approver'])
    expect(allowed.actions.map((a) => a.action)).toEqual(['approve', 'deny', 'send_back'])
    expect(allowed.actions[2]!.to?.label).toBe('审核')
  })

  it('lets a one-step default chain decide, without a send-back', () => {
    const one: ChainStep[] = [{ no: 1, name: 'approve', label: '批准', role: 'reviewer' }]
    expect(allowedActions({ status: 'pending', current_step: 1, chain: one }, ['reviewer']).actions.map((a) => a.action)).toEqual(['approve', 'deny'])
  })

  it('refuses another role, a department admin, and a decided case, saying why', () => {
    expect(allowedActions({ status: 'pending', current_step: 2, chain: THREE }, ['handler'])).toMatchObject({ actions: [], reason: '当前步骤“审核”由审核人员办理' })
    expect(allowedActions({ status: 'pending', current_step: 3, chain: THREE }, ['department_admin']).actions).toEqual([])
    expect(allowedActions({ status: 'approved', current_step: null, chain: THREE }, ['approver'])).toMatchObject({ step: null, actions: [], reason: '本办件已作出决定' })
  })

  it('names history entries and last actions', () => {
    expect(actionText({ step_no: 2, action: 'send_back', sent_back_to: 1 }, THREE)).toBe('审核：退回承办')
    expect(actionText({ step_no: 3, action: 'approve', sent_back_to: null }, THREE)).toBe('批准：准予许可')
    expect(lastActionText({ step_name: 'review', action: 'send_back', by: 'reviewer-amr', opinion: '平面图不清晰' })).toBe('审核 · reviewer-amr 退回：平面图不清晰')
  })

  it('shows my own action in 我已办理 without my name', () => {
    const mine = { step_name: 'handle', action: 'pass', by: 'amr 承办人员', opinion: '已现场核实' }
    expect(myActionText(mine)).toBe('承办 · 通过：已现场核实')
    expect(myActionText(mine)).not.toContain('amr 承办人员')
  })

  it('requires an opinion, a reason for a send-back, of at most 2000 characters', () => {
    expect(checkOpinion('  ', 'send_back')).toBe('退回须写明理由')
    expect(checkOpinion('', 'pass')).toBe('请填写审批意见')
    expect(checkOpinion('x'.repeat(2001), 'approve')).toBe('审批意见最多2000字')
    expect(checkOpinion('材料齐全', 'pass')).toBeNull()
  })

  it('puts the API refusals in Chinese', () => {
    expect(reviewMessage('case 2026001 is at step 2 (审核), not step 1')).toBe('办件已在第 2 步（审核），不在第 1 步：他人已办理，请刷新后查看')
    expect(reviewMessage('step 3 (批准) of this case is performed by the role approver')).toBe('第 3 步（批准）应由批准人员办理')
    expect(reviewMessage('case 1 is already denied')).toBe('办件已不予许可，不能再办理')
    expect(reviewMessage('办件 1 已不予许可，不能再办理')).toBe('办件 1 已不予许可，不能再办理')
    expect(reviewMessage('scan.pdf is named as a PDF file but its bytes are a PNG image')).toMatch(/仅支持 PDF/)
    expect(reviewMessage('something else')).toBeUndefined()
  })
})

describe('how a material was provided', () => {
  it('says a window clerk confirmed paper, original or copy by the filed version\'s form, and who', () => {
    const paper = { code: 'BJT', paper_received: true, paper_received_by: '综合窗口人员' }
    expect(materialProvision(paper, 'copy')).toEqual({ kind: 'paper', text: '窗口已收取复印件（经办人 综合窗口人员）' })
    expect(materialProvision(paper, 'original')).toEqual({ kind: 'paper', text: '窗口已核验纸质原件（经办人 综合窗口人员）' })
    // Who, when the dispatched case did not say; the form, when the item version could not be read.
    expect(materialProvision({ code: 'BJT', paper_received: true, paper_received_by: null }, 'copy').text).toBe('窗口已收取复印件')
    expect(materialProvision({ code: 'BJT', paper_received: true }, undefined).text).toBe('窗口已核验纸质材料')
  })

  it('keeps licences, files and the online form apart from paper', () => {
    expect(materialProvision({ code: 'YYZZ', license_no: 'AMR-1' }).text).toBe('电子证照 AMR-1')
    expect(materialProvision({ code: 'SQS', file_id: 'a'.repeat(64), paper_received: false }).kind).toBe('file')
    expect(materialProvision({ code: 'GLZD' }, 'electronic')).toEqual({ kind: 'form', text: '网上申报表单' })
    expect(materialProvision({ code: 'BJT', paper_received: false }, 'copy').kind).toBe('form')
  })
})

describe('BPMN department steps', () => {
  it('types the variables and names bad rows', () => {
    const { data, errors } = taskData([
      { name: 'inspection_passed', value: 'true' },
      { name: 'area', value: '45.5' },
      { name: 'note', value: '现场一致' },
      { name: '', value: '' },
      { name: '1bad', value: 'x' },
      { name: 'area', value: '3' },
    ])
    expect(data).toEqual({ inspection_passed: true, area: 45.5, note: '现场一致' })
    expect(Object.keys(errors)).toEqual(['4', '5'])
  })

  it('lists the open steps other than intake and the department review', () => {
    const states = [
      { state: 'intake', left_at: '2026-11-01T00:00:00Z' },
      { state: 'site_inspection', left_at: null },
      { state: 'department_review', left_at: null },
    ]
    expect(openTasks(states, new Set(['intake', 'department_review'])).map((s) => s.state)).toEqual(['site_inspection'])
  })
})
