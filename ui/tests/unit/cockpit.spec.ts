import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as api from '@/api'
import type { CockpitAnswer, CockpitFilters, CockpitRow, CockpitView } from '@/api'
import CockpitPage from '@/views/admin/supervision/CockpitView.vue'
import { bars, cellText, drillInto, exportName, SUPPRESSED_TEXT, volumesChart } from '@/lib/cockpit'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return { ...actual, getCockpit: vi.fn(), downloadCockpit: vi.fn(), listDepartments: vi.fn() }
})

const county: CockpitRow = { level: 'county', code: '330122', name: '示范县', cases: 5, concluded: 4, decided: null, instant_share: null, on_time_rate: 0.6, suppressed: true }
const small: CockpitRow = { level: 'county', code: '110101', name: null, cases: null, concluded: null, decided: null, instant_share: null, on_time_rate: null, suppressed: true }
const whole: CockpitRow = { key: 'online', name: null, cases: 8, average_rating: null, satisfied_share: 0.75, suppressed: false }

describe('cockpit cells', () => {
  it('shows a suppressed figure as fewer than 5 cases, never its key', () => {
    expect(cellText(small, 'cases')).toBe(SUPPRESSED_TEXT)
    expect(cellText(small, 'code')).toBe('110101')
    expect(cellText(county, 'instant_share')).toBe(SUPPRESSED_TEXT)
    expect(cellText(county, 'cases')).toBe('5')
    expect(cellText(county, 'on_time_rate')).toBe('60.0%')
  })

  it('shows an empty figure of an unsuppressed row as a dash', () => {
    expect(cellText(whole, 'average_rating')).toBe('—')
    expect(cellText(whole, 'satisfied_share')).toBe('75.0%')
    expect(cellText({ stage: 'submitted', cases: 7, suppressed: false }, 'stage')).toBe('申请')
  })
})

describe('cockpit bars and drill-down', () => {
  it('scales bars to the largest shown value; a suppressed bar is empty', () => {
    const shown = bars([county, small, { ...county, code: '330100', cases: 10, suppressed: false }], 'cases')
    expect(shown.map((b) => [b.width, b.text, b.suppressed])).toEqual([
      [50, '5', false],
      [0, SUPPRESSED_TEXT, true],
      [100, '10', false],
    ])
    expect(shown[0]?.label).toBe('示范县')
    expect(bars([whole], 'satisfied_share')[0]?.label).toBe('网上办理')
  })

  it('drills from a county to its departments and from a department to its items', () => {
    expect(drillInto(county, {})).toEqual({ division: '330122' })
    expect(drillInto({ level: 'department', code: 'amr', suppressed: false }, { division: '330122' })).toEqual({ division: '330122', department: 'amr' })
    expect(drillInto({ level: 'item', code: 'X', suppressed: false }, { division: '330122', department: 'amr' })).toBeNull()
  })

  it('charts suppressed periods as gaps and names exports by their span', () => {
    const option = volumesChart([
      { period: '2025-01', cases: 12, accepted: 10, concluded: 9, instant: 3, suppressed: false },
      { period: '2025-02', cases: null, accepted: null, concluded: null, instant: null, suppressed: true },
    ]) as { series: { data: (number | null)[] }[] }
    expect(option.series[0]?.data).toEqual([12, null])
    expect(exportName('办件漏斗', { date_from: '2025-01-01', date_to: '2025-03-31' }, 'xlsx')).toBe('领导驾驶舱-办件漏斗-2025-01-01至2025-03-31.xlsx')
  })
})

describe('the cockpit page', () => {
  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
  })

  function answer(view: CockpitView, rows: CockpitRow[], columns: string[]): CockpitAnswer {
    return { view, title: view, columns: columns.map((field) => ({ field, label: field })), min_cases: 5, unsuppressed_department: null, rows }
  }

  it('shows suppressed figures as fewer than 5 cases and drills from a county into its departments', async () => {
    vi.mocked(api.listDepartments).mockResolvedValue([])
    const asked: [CockpitView, CockpitFilters][] = []
    vi.mocked(api.getCockpit).mockImplementation(async (view, filters = {}) => {
      asked.push([view, filters])
      if (view === 'overview') return answer(view, [{ cases: 7, instant_share: null, on_time_rate: 0.6, average_total_days: 2.2, average_rating: null, supplemented_share: 0.2857, suppressed: true }], ['cases'])
      if (view === 'divisions' && filters.division) return answer(view, [{ level: 'department', code: 'amr', name: '市场监管局', cases: null, suppressed: true }], ['level', 'code', 'name', 'cases', 'suppressed'])
      if (view === 'divisions') return answer(view, [county, small], ['level', 'code', 'name', 'cases', 'concluded', 'suppressed'])
      if (view === 'funnel') return answer(view, [{ stage: 'submitted', cases: 7, share_of_submitted: 1, suppressed: false }, { stage: 'decided', cases: null, share_of_submitted: null, suppressed: true }], ['stage', 'cases'])
      return answer(view, [], ['cases'])
    })
    const wrapper = mount(CockpitPage, { global: { stubs: { EChart: true } }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.get('[data-testid="kpi-cases"]').text()).toBe('7')
    expect(wrapper.get('[data-testid="kpi-average_rating"]').text()).toBe(SUPPRESSED_TEXT)
    expect(wrapper.get('[data-testid="kpi-on_time_rate"]').text()).toBe('60.0%')
    const funnel = wrapper.get('[data-testid="panel-funnel"]').text()
    expect(funnel).toContain('申请')
    expect(funnel).toContain(SUPPRESSED_TEXT)
    const table = wrapper.get('[data-testid="divisions"]')
    expect(table.text()).toContain('示范县')
    expect(table.text()).toContain(SUPPRESSED_TEXT)
    await table.get('a[data-code="330122"]').trigger('click')
    await flushPromises()
    expect(asked.at(-1)).toEqual(['divisions', { division: '330122', department: undefined }])
    expect(wrapper.get('[data-testid="divisions"]').text()).toContain('市场监管局')
    // The breadcrumb names the division drilled into, not its code.
    const crumbs = wrapper.get('[data-testid="divisions"] nav').text()
    expect(crumbs).toContain('示范县')
    expect(crumbs).not.toContain('330122')
    wrapper.unmount()
  })
})
