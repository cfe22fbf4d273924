/** Part A: materials at the window and in a supplement, the registry look-up at intake, the
 * rating a case already has, the supplement request shown to the applicant, themes from the API. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as api from '@/api'
import type { CaseEvaluation, ItemMaterial, SupplementRequest } from '@/api'
import CaseEvaluationPanel from '@/components/CaseEvaluation.vue'
import CaseSupplement from '@/components/CaseSupplement.vue'
import { givenRating } from '@/lib/evaluation'
import { askedMaterials, emptyEntry, lookupNumber, materialRefs, materialState, missingRequired, notInRegistryMessage, registryMatch, unsuppliedAsked } from '@/lib/intake'
import { useReferenceStore } from '@/stores/reference'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return { ...actual, getCase: vi.fn(), listThemes: vi.fn(), supplementCase: vi.fn(), evaluateCase: vi.fn() }
})

const MATERIALS: ItemMaterial[] = [
  { code: 'DJB', name: '就业登记表', form: 'electronic', required: true, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
  { code: 'LDHT', name: '劳动合同', form: 'copy', required: true, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
  { code: 'SFZ', name: '身份证原件', form: 'original', required: false, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
  { code: 'YYZZ', name: '营业执照', form: 'electronic', required: true, license_type: 'business_license', accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' },
]
const FILE = 'a'.repeat(64)

describe('materials by channel (the same rule as service-management)', () => {
  it('needs the signed form scanned at the window, and takes the clerk\'s word for paper only there', () => {
    const nothing = Object.fromEntries(MATERIALS.map((m) => [m.code, emptyEntry()]))
    expect(MATERIALS.map((m) => materialState(m, nothing[m.code], 'online'))).toEqual(['by-application', 'missing', 'optional', 'missing'])
    expect(MATERIALS.map((m) => materialState(m, nothing[m.code], 'window'))).toEqual(['missing', 'missing', 'optional', 'missing'])
    expect(missingRequired(MATERIALS, nothing, 'window').map((m) => m.code)).toEqual(['DJB', 'LDHT', 'YYZZ'])

    const given = {
      DJB: { ...emptyEntry(), paperReceived: true }, // an electronic material cannot be "seen on paper"
      LDHT: { ...emptyEntry(), paperReceived: true },
      SFZ: { ...emptyEntry(), paperReceived: true },
      YYZZ: { ...emptyEntry(), licenseNo: ' AMR-1 ' },
    }
    expect(MATERIALS.map((m) => materialState(m, given[m.code as keyof typeof given], 'window'))).toEqual(['missing', 'paper', 'paper', 'license'])
    expect(materialRefs(MATERIALS, given, 'window')).toEqual([
      { code: 'LDHT', paper_received: true },
      { code: 'SFZ', paper_received: true },
      { code: 'YYZZ', license_no: 'AMR-1' },
    ])
    // Online and in an applicant's supplement, a paper tick means nothing.
    expect(materialRefs(MATERIALS, given, 'online')).toEqual([{ code: 'YYZZ', license_no: 'AMR-1' }])
    expect(materialRefs(MATERIALS, given, 'supplement')).toEqual([{ code: 'YYZZ', license_no: 'AMR-1' }])
    // A scan wins over a paper tick: one kind per material, as the API wants.
    expect(materialRefs(MATERIALS, { LDHT: { fileId: FILE, fileName: 'x.pdf', licenseNo: '', paperReceived: true } }, 'window')).toEqual([{ code: 'LDHT', file_id: FILE }])
  })

  it('offers what a supplement request asks for and names what is still to give', () => {
    const request: SupplementRequest = {
      materials: [{ code: 'LDHT', name: '劳动合同' }, { code: 'DJB', name: '就业登记表' }],
      reason: '合同须盖章',
      requested_by: '窗口王',
      requested_at: '2026-11-25T02:00:00Z',
      due_date: '2026-12-16',
      supplied_by: null,
      supplied_at: null,
    }
    expect(askedMaterials(MATERIALS, request).map((m) => m.code)).toEqual(['LDHT', 'DJB'])
    expect(askedMaterials(MATERIALS, null).map((m) => m.code)).toEqual(['DJB', 'LDHT', 'SFZ', 'YYZZ'])
    expect(unsuppliedAsked(request, MATERIALS, {})).toEqual(['劳动合同', '就业登记表'])
    expect(unsuppliedAsked(request, MATERIALS, { LDHT: { fileId: FILE, fileName: 'a.pdf', licenseNo: '' }, DJB: emptyEntry() })).toEqual(['就业登记表'])
    expect(unsuppliedAsked(null, MATERIALS, {})).toEqual([])
  })
})

describe('looking the walk-in applicant up', () => {
  it('checks the number before asking the registry', () => {
    expect(lookupNumber({ type: 'person', id_number: ' 33012219920202001x', name: '' })).toEqual({ number: '33012219920202001X' })
    expect('message' in lookupNumber({ type: 'person', id_number: '330122199202020011', name: '' })).toBe(true)
    expect(lookupNumber({ type: 'person', id_number: '', name: '' })).toEqual({ message: '请输入居民身份证号码' })
    expect(lookupNumber({ type: 'entity', id_number: '91330122MA28D0K3XN', name: '' })).toEqual({ number: '91330122MA28D0K3XN' })
  })

  it('fills the name from the record and says when there is none', () => {
    const person = registryMatch('person', { name: '钱多多', gender: 'female', birth_date: '1992-02-02', residence_address: '桐庐县迎春路1号' })
    expect(person).toEqual({
      name: '钱多多',
      details: [
        { label: '性别', value: '女' },
        { label: '出生日期', value: '1992-02-02' },
        { label: '居住地址', value: '桐庐县迎春路1号' },
      ],
      warning: null,
    })
    expect(registryMatch('person', null)).toBeNull()
    expect(registryMatch('entity', { name: '某茶业公司', legal_representative: '王五', status: 'revoked', address: null })?.warning).toContain('吊销')
    expect(registryMatch('entity', { name: '某茶业公司', status: 'active' })?.warning).toBeNull()
    expect(notInRegistryMessage('person')).toContain('人口库中没有')
    expect(notInRegistryMessage('entity')).toContain('法人库中没有')
  })
})

describe('好差评: a case is rated once', () => {
  const onRecord: CaseEvaluation = { rating: 4, level: '满意', tags: [], reasons: [], comment: '办得快', at: '2026-11-25T02:00:00Z' }

  it('knows the rating on record, just given or read from the case', () => {
    expect(givenRating(null, onRecord)).toEqual(onRecord)
    expect(givenRating(null, null)).toBeNull()
    const justGiven = { item_code: 'X', department_code: 'amr', rating: 2, level: '不满意', tags: [], reasons: ['too_slow'], comment: '', created_at: '2026-11-25T03:00:00Z', rectification_id: 7 }
    expect(givenRating(justGiven, null)).toEqual({ rating: 2, level: '不满意', tags: [], reasons: ['too_slow'], comment: '', at: '2026-11-25T03:00:00Z' })
  })

  it('shows the rating given instead of asking again', async () => {
    const wrapper = mount(CaseEvaluationPanel, { props: { caseNo: '2026112500001', evaluation: onRecord } })
    await flushPromises()
    expect(wrapper.get('[data-testid="evaluation-result"]').text()).toContain('您已评价：满意')
    expect(wrapper.findAll('button').filter((b) => b.text() === '提交评价')).toHaveLength(0)
    const checked = wrapper.find('input[type="radio"]:checked')
    expect((checked.element as HTMLInputElement).value).toBe('4')
    expect(wrapper.findAll('input[type="radio"]').every((r) => (r.element as HTMLInputElement).disabled)).toBe(true)
    expect(api.getCase).not.toHaveBeenCalled()
  })

  it('reads the case when not told, and asks for a rating when there is none', async () => {
    vi.mocked(api.getCase).mockResolvedValueOnce({ evaluation: null } as unknown as api.CaseDetail)
    const wrapper = mount(CaseEvaluationPanel, { props: { caseNo: '2026112500002' } })
    await flushPromises()
    expect(api.getCase).toHaveBeenCalledWith('2026112500002')
    expect(wrapper.find('[data-testid="evaluation-result"]').exists()).toBe(false)
    expect(wrapper.findAll('button').filter((b) => b.text() === '提交评价')).toHaveLength(1)
  })
})

describe('补正: the applicant sees what is asked for', () => {
  const open: SupplementRequest = {
    materials: [{ code: 'LDHT', name: '劳动合同' }],
    reason: '合同须加盖单位公章',
    requested_by: '窗口王',
    requested_at: '2026-11-25T02:00:00Z',
    due_date: '2026-12-16',
    supplied_by: null,
    supplied_at: null,
  }

  it('names the materials and offers only those', async () => {
    const wrapper = mount(CaseSupplement, { props: { caseNo: '2026112500003', materials: MATERIALS, request: '合同须加盖单位公章', supplement: open } })
    await flushPromises()
    expect(wrapper.get('[data-testid="supplement-request"]').text()).toContain('合同须加盖单位公章')
    expect(wrapper.get('[data-testid="supplement-materials"]').text()).toBe('劳动合同')
    expect(wrapper.findAll('[data-material]').map((m) => m.attributes('data-material'))).toEqual(['LDHT'])
    await wrapper.findAll('button').find((b) => b.text() === '提交补正材料')!.trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('请先上传补正的材料：劳动合同')
    expect(api.supplementCase).not.toHaveBeenCalled()
  })

  it('reads the open request from the case when not told', async () => {
    vi.mocked(api.getCase).mockResolvedValueOnce({ supplement: open } as unknown as api.CaseDetail)
    const wrapper = mount(CaseSupplement, { props: { caseNo: '2026112500004', materials: MATERIALS, request: null } })
    await flushPromises()
    expect(wrapper.get('[data-testid="supplement-materials"]').text()).toBe('劳动合同')
    expect(wrapper.findAll('[data-material]')).toHaveLength(1)
  })
})

describe('themes', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('come from GET /themes with their counts, once', async () => {
    vi.mocked(api.listThemes).mockResolvedValue([
      { name: '开办餐饮店', item_count: 2, bundle_count: 1 },
      { name: '社会保障', item_count: 1, bundle_count: 0 },
    ])
    const reference = useReferenceStore()
    expect(await reference.loadThemes()).toEqual(['开办餐饮店', '社会保障'])
    await reference.loadThemes()
    expect(api.listThemes).toHaveBeenCalledTimes(1)
    expect(reference.themeItemCount('开办餐饮店')).toBe(2)
    expect(reference.themeItemCount('无此主题')).toBe(0)
  })
})

describe('errors by their stable code', () => {
  it('translates a known code whatever the wording, and falls back to the message rules', async () => {
    const { mapProblem, translateCode } = await import('@/lib/problem')
    const { timelineNote, actorLabel } = await import('@/lib/labels')
    const error = new api.ApiError({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      errors: [
        { field: 'materials[0].paper_received', message: 'some new English wording', code: 'paper_not_for_electronic' },
        { field: 'materials', message: 'still missing: LDHT', code: 'supplement_incomplete' },
      ],
    })
    expect(mapProblem(error).fields).toEqual({ 'materials[0].paper_received': '本项为电子材料，请扫描上传或填写电子证照编号', materials: '仍缺少材料：LDHT' })
    expect(translateCode('case_already_rated')).toBe('您已评价过本办件，每件只能评价一次')
    expect(translateCode(undefined)).toBeUndefined()
    expect(timelineNote('materials supplemented', (c) => c)).toBe('已补正材料')
    expect(actorLabel('department')).toBe('实施部门')
  })
})
