/** Departments are named from the API's list (`GET /departments`), with no list of names of the UI's own:
 * a page shows an ellipsis while the list is on its way, then the name, never the code. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as api from '@/api'
import type { Department, ItemSummary } from '@/api'
import ItemCard from '@/components/ItemCard.vue'
import { DEPARTMENT_LOADING, useReferenceStore } from '@/stores/reference'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return { ...actual, listDepartments: vi.fn() }
})

const DEPARTMENTS: Department[] = [
  { code: 'amr', name: '示范县市场监督管理局', division_code: '330122', reconsideration_body: '示范县人民政府', litigation_court: '示范县人民法院' },
  { code: 'ndrc', name: '示范县发展和改革局', division_code: '330122', reconsideration_body: '示范县人民政府', litigation_court: '示范县人民法院' },
]
const ITEM: ItemSummary = {
  code: '330122-NDRC-QT-0001',
  version: 1,
  name: '企业投资项目备案',
  item_type: 'other_power',
  department_code: 'ndrc',
  instant_approval: false,
  committed_days: 3,
  audience: ['entity'],
  online_depth: 'zero_visits',
  channels: ['online'],
  themes: [],
  keywords: [],
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)))
  return { promise, resolve, reject }
}

describe('department names from the API', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.mocked(api.listDepartments).mockReset()
  })

  it('shows an ellipsis while loading, then the name the API gives (also of a body that only owns data)', async () => {
    const answer = deferred<Department[]>()
    vi.mocked(api.listDepartments).mockReturnValue(answer.promise)
    const card = mount(ItemCard, { props: { item: ITEM }, global: { stubs: { RouterLink: { template: '<a><slot /></a>' } } } })
    expect(card.text()).toContain(`实施部门：${DEPARTMENT_LOADING}`)
    expect(card.text()).not.toContain('ndrc')
    expect(api.listDepartments).toHaveBeenCalledTimes(1) // asked for by the first name shown
    answer.resolve(DEPARTMENTS)
    await flushPromises()
    expect(card.text()).toContain('实施部门：示范县发展和改革局')
    expect(card.text()).not.toContain('ndrc')
    expect(api.listDepartments).toHaveBeenCalledTimes(1)
  })

  it('names by the API only: a code it does not list, or a list that could not be had, shows the code', async () => {
    vi.mocked(api.listDepartments).mockResolvedValueOnce(DEPARTMENTS)
    const reference = useReferenceStore()
    await reference.loadDepartments()
    expect(reference.departmentName('amr')).toBe('示范县市场监督管理局')
    expect(reference.departmentName('stats')).toBe('stats') // no name of the UI's own any more

    setActivePinia(createPinia())
    vi.mocked(api.listDepartments).mockRejectedValueOnce(new Error('offline'))
    const offline = useReferenceStore()
    await expect(offline.loadDepartments()).rejects.toThrow('offline')
    expect(offline.departmentName('ndrc')).toBe('ndrc')
    expect(offline.departmentsState).toBe('failed')
  })
})
