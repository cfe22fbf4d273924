import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, listCatalogueItems, listItemVersions, listRectifications, retireItem } from '@/api'
import {
  catalogueMessage,
  catalogueProblem,
  checkItemForm,
  checkRetireReason,
  entryNote,
  checkListEntries,
  emptyFormField,
  emptyItemForm,
  emptyListEntry,
  emptyMaterial,
  guideForm,
  fieldLabel,
  formFromItem,
  IMPORT_COLUMN_NAMES,
  IMPORT_COLUMNS,
  importProblemRows,
  itemActions,
  itemDiffRows,
  itemFormPaths,
  itemImportTemplate,
  listImportTemplate,
  itemListStatus,
  listActions,
  listDiffRows,
  toCsv,
  versionSummary,
  type Actor,
  type ItemForm,
  type ItemVersion,
} from '@/lib/catalogueAdmin'

function filled(changes: Partial<ItemForm> = {}): ItemForm {
  return {
    ...emptyItemForm('amr'),
    code: '330122-AMR-XK-0099',
    name: '户外广告设置许可',
    item_type: 'licensing',
    legal_basis: '《城市市容和环境卫生管理条例》第十一条',
    statutory_days: '20',
    committed_days: '5',
    audience: ['person', 'entity'],
    themes: '开办餐饮店',
    keywords: '招牌；广告牌、灯箱',
    materials: [{ ...emptyMaterial(), code: 'SQB', name: '申请表' }],
    form_fields: [{ ...emptyFormField(), name: 'location', label: '设置地点' }],
    ...changes,
  }
}

function version(n: number, status: string, changes: Partial<ItemVersion> = {}): ItemVersion {
  const value = checkItemForm(filled()).value!
  return { ...value, version: n, status, rule_version: null, published_at: null, updated_at: null, retirement: null, ...changes }
}

function apiError(status: number, errors: { field: string; message: string }[], detail = 'x'): ApiError {
  return new ApiError({ type: 'about:blank', title: 't', status, detail, errors })
}

describe('the item form is checked as the API checks it', () => {
  it('turns a valid form into the payload POST /items takes', () => {
    const checked = checkItemForm(filled({ fee_free: false, fee_amount: '50.00', fee_basis: '浙价费〔2020〕1号' }))
    expect(checked.errors).toEqual({})
    expect(checked.value).toEqual({
      code: '330122-AMR-XK-0099',
      name: '户外广告设置许可',
      item_type: 'licensing',
      department_code: 'amr',
      legal_basis: '《城市市容和环境卫生管理条例》第十一条',
      statutory_days: 20,
      committed_days: 5,
      fee: { free: false, amount: '50.00', basis: '浙价费〔2020〕1号' },
      materials: [{ code: 'SQB', name: '申请表', form: 'electronic', required: true, license_type: null, accepted_trust_levels: ['A', 'B'], copies: 1, source: 'applicant', note: '' }],
      online_depth: 'at_most_one_visit',
      channels: ['online', 'window'],
      audience: ['person', 'entity'],
      themes: ['开办餐饮店'],
      keywords: ['招牌', '广告牌', '灯箱'],
      description: '',
      form_fields: [{ name: 'location', label: '设置地点', type: 'string', required: true, prefill: null }],
      instant_approval: false,
      license_type: null,
      license_name: null,
      guide: {
        acceptance_conditions: [],
        process_steps: [],
        location: '',
        hours: '',
        consultation_phone: '',
        complaint_phone: '',
        visits: null,
        result_delivery: ['electronic'],
        booking: false,
      },
    })
    // A free item sends no amount or basis.
    expect(checkItemForm(filled({ fee_amount: '9', fee_basis: 'x' })).value!.fee).toEqual({ free: true, amount: null, basis: null })
  })

  it('names each bad field under the path the API uses', () => {
    const bad = checkItemForm(
      filled({
        code: '330122-AMR-XK-99',
        name: '户',
        statutory_days: '0',
        committed_days: 'abc',
        audience: [],
        channels: [],
        instant_approval: true,
        fee_free: false,
        fee_amount: '1.234',
        fee_basis: '',
        materials: [
          { ...emptyMaterial(), code: 'SQB', name: '申请表' },
          { ...emptyMaterial(), code: 'SQB', name: '' },
        ],
        form_fields: [{ ...emptyFormField(), name: 'Location', label: '', prefill: 'registry' }],
      }),
    )
    expect(bad.value).toBeNull()
    expect(Object.keys(bad.errors).sort()).toEqual(
      [
        'audience',
        'channels',
        'code',
        'committed_days',
        'fee.amount',
        'fee.basis',
        'form_fields.0.label',
        'form_fields.0.name',
        'form_fields.0.prefill',
        'instant_approval',
        'materials.1.code',
        'materials.1.name',
        'name',
        'statutory_days',
      ].sort(),
    )
    expect(bad.errors['materials.1.code']).toBe('材料编码不能重复')
  })

  it('refuses a code whose type code does not fit the type, and a committed limit above the statutory one', () => {
    expect(checkItemForm(filled({ item_type: 'confirmation' })).errors.code).toBe('行政确认事项的编码中类型代码应为 QR，不是 XK')
    expect(checkItemForm(filled({ committed_days: '21' })).errors.committed_days).toBe('承诺办结时限不能超过法定办结时限')
    expect(checkItemForm(filled({ committed_days: '0' })).errors).toEqual({})
    // Editing: the code is fixed, so the type must follow it.
    expect(checkItemForm(filled({ item_type: 'benefit' }), { editing: true }).errors.item_type).toContain('XK')
  })

  it('round-trips a version through the form', () => {
    const v = version(2, 'published', { fee: { free: false, amount: '50.00', basis: '依据' }, license_type: 'ad_permit', license_name: '广告许可证' })
    const form = formFromItem(v)
    expect(form.themes).toBe('开办餐饮店')
    const { version: _v, status: _s, rule_version: _r, published_at: _p, updated_at: _u, retirement: _t, ...input } = v
    expect(checkItemForm(form, { editing: true }).value).toEqual(input)
  })

  it('knows every path the form can show an error at', () => {
    const paths = itemFormPaths(filled())
    expect(paths.has('materials.0.form')).toBe(true)
    expect(paths.has('form_fields.0.prefill')).toBe(true)
    expect(paths.has('materials.1.form')).toBe(false)
    expect(paths.has('fee.amount')).toBe(true)
  })
})

describe('the API answer lands at the field', () => {
  it('maps field errors, normalising the lists’ entries[1].code, and translates them', () => {
    const form = filled()
    const paths = itemFormPaths(form)
    const mapped = catalogueProblem(
      apiError(422, [
        { field: 'materials.0.form', message: "Input should be 'original', 'copy' or 'electronic'" },
        { field: 'committed_days', message: 'the committed time limit exceeds the statutory one' },
        { field: 'fee', message: 'Value error, a charged item needs its amount and the legal basis of the fee' },
        { field: 'rule', message: 'something else' },
      ]),
      (p) => paths.has(p),
    )
    expect(mapped.fields).toEqual({
      'materials.0.form': '取值不在可选范围内',
      committed_days: '承诺办结时限不能超过法定办结时限',
      fee: '收费事项须填写收费金额和收费依据',
    })
    expect(mapped.general).toEqual(['rule：填写的信息有误，请按提示修改（something else）'])
    const entries = catalogueProblem(apiError(422, [{ field: 'entries[1].code', message: 'code XK-01 appears twice' }]), (p) => p === 'entries.1.code')
    expect(entries.fields).toEqual({ 'entries.1.code': '编码 XK-01 重复出现' })
  })

  it('shows a conflict at the code and a refusal as a sentence too', () => {
    const conflict = catalogueProblem(apiError(409, [{ field: 'code', message: 'service item 330122-AMR-XK-0001 already exists; edit its draft instead' }]), () => true)
    expect(conflict.fields.code).toBe('事项编码 330122-AMR-XK-0001 已存在，请在事项列表中编辑它的草稿')
    const refused = catalogueProblem(apiError(403, [{ field: 'department_code', message: 'you may act only for department psb' }]), () => true)
    expect(refused.fields.department_code).toContain('只能办理本部门（psb）')
    expect(refused.summary).toBe('您只能办理本部门（psb）的事项')
    const noFields = catalogueProblem(new ApiError({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'only an administrator may do this' }), () => true)
    expect(noFields.summary).toBe('仅管理员可以进行此操作')
  })

  it('translates the import and list messages, and leaves unknown ones readable', () => {
    expect(catalogueMessage('the column is missing')).toBe('文件缺少此列')
    expect(catalogueMessage("material 'X|y' is not code|name|form|required|licence type")).toContain('编码|名称|形式')
    expect(catalogueMessage('list version 7 is submitted, not a draft', 409)).toBe('第 7 号版本已报审，不是草稿，不能报审')
    expect(catalogueMessage('Input should be a valid integer, unable to parse string as an integer')).toBe('应为整数')
    expect(catalogueMessage('brand new message', 409)).toBe('操作与当前状态冲突（brand new message）')
  })
})

describe('the difference between two versions', () => {
  it('lists changed fields, and materials and form fields by code and name', () => {
    const before = version(1, 'superseded')
    const after = version(2, 'draft', {
      name: '户外招牌设置许可',
      committed_days: 3,
      fee: { free: false, amount: '50.00', basis: '浙价费〔2020〕1号' },
      channels: ['online'],
      materials: [
        { code: 'SQB', name: '申请表', form: 'original', required: true, license_type: null, accepted_trust_levels: ['A', 'B'], copies: 1, source: 'applicant', note: '' },
        { code: 'XGT', name: '效果图', form: 'copy', required: false, license_type: null, accepted_trust_levels: ['A'], copies: 2, source: 'applicant', note: '' },
      ],
      form_fields: [],
    })
    expect(itemDiffRows(before, after)).toEqual([
      { field: 'name', label: '事项名称', before: '户外广告设置许可', after: '户外招牌设置许可' },
      { field: 'committed_days', label: '承诺办结时限', before: '5 个工作日', after: '3 个工作日' },
      { field: 'fee', label: '收费', before: '不收费', after: '收费 50.00 元（依据：浙价费〔2020〕1号）' },
      { field: 'channels', label: '办理渠道', before: '网上办理、窗口办理', after: '网上办理' },
      { field: 'materials', label: '申请材料 SQB', before: '申请表，电子件，必需，可信等级 A/B，1 份，申请人自备', after: '申请表，原件，必需，可信等级 A/B，1 份，申请人自备' },
      { field: 'materials', label: '申请材料 XGT', before: '—（新增）', after: '效果图，复印件，可选，可信等级 A，2 份，申请人自备' },
      { field: 'form_fields', label: '表单字段 location', before: '设置地点，单行文字，必填', after: '—（删除）' },
    ])
    expect(itemDiffRows(before, before)).toEqual([])
    const moved = itemDiffRows(before, version(2, 'draft', { department_code: 'psb' }), (c) => (c === 'amr' ? '市场监管局' : '公安局'))
    expect(moved).toEqual([{ field: 'department_code', label: '实施部门', before: '市场监管局', after: '公安局' }])
    const guided = itemDiffRows(before, version(2, 'draft', { guide: { ...before.guide, location: '行政服务中心二楼', booking: true } }))
    expect(guided).toHaveLength(1)
    expect(guided[0]!.label).toBe('办事指南')
    expect(guided[0]!.after).toContain('地点：行政服务中心二楼')
    expect(guided[0]!.after).toContain('可预约')
  })

  it('turns the lists’ diff into rows: added, removed, one row per changed field', () => {
    const entry = { code: 'XK-01', name: '个体工商户设立登记', category: '行政许可', basis: '第八条', content: '', amount: null }
    const rows = listDiffRows({
      from_version: 1,
      to_version: 2,
      added: [{ ...entry, code: 'CF-01', name: '无照经营处罚', category: '行政处罚' }],
      removed: [{ ...entry, code: 'XK-02', name: '食品经营许可' }],
      changed: [{ code: 'XK-01', fields: ['basis', 'amount'], before: entry, after: { ...entry, basis: '第八条、第九条', amount: '0元' } }],
    })
    expect(rows).toEqual([
      { code: 'CF-01', change: '新增', field: '整条', before: '—', after: '无照经营处罚；行政处罚；第八条' },
      { code: 'XK-01', change: '修改', field: '依据', before: '第八条', after: '第八条、第九条' },
      { code: 'XK-01', change: '修改', field: '金额/标准', before: '—', after: '0元' },
      { code: 'XK-02', change: '删除', field: '整条', before: '食品经营许可；行政许可；第八条', after: '—' },
    ])
  })
})

describe('import', () => {
  it('offers a CSV template with the columns the API reads by their Chinese names, which Excel opens as UTF-8', () => {
    const text = itemImportTemplate('psb')
    expect(text.startsWith('\ufeff')).toBe(true)
    const [header, example] = text.slice(1).trim().split('\r\n')
    expect(header!.split(',')).toEqual(IMPORT_COLUMNS.map((c) => IMPORT_COLUMN_NAMES[c]))
    expect(header).toContain('法定办结时限')
    expect(header).not.toMatch(/[a-z_]{4,}/) // no key of the API in the header a person reads
    const [listHeader] = listImportTemplate().slice(1).trim().split('\r\n')
    expect(listHeader).toBe('编码,名称,类别,依据,内容,金额/标准')
    expect(example).toContain('330122-PSB-XK-0100')
    expect(example!.split(',').length).toBe(IMPORT_COLUMNS.length)
    expect(toCsv([['a,b', 'say "hi"']])).toBe('\ufeff"a,b","say ""hi"""\r\n')
  })

  it('shows refused rows as the API words them: row, code, the column and its Chinese account', () => {
    expect(
      importProblemRows([
        { row: 4, code: '330122-AMR-XK-0101', field: 'statutory_days', column: '法定办结时限', error_code: 'int_parsing', message: '第 4 行“法定办结时限”列：应为整数' },
        { row: 1, code: null, field: 'remark', column: null, error_code: 'column_unknown', message: '第 1 行（标题行）的“remark”不是导入模板中的列，请删除该列或按模板填写' },
      ]),
    ).toEqual([
      { row: 4, code: '330122-AMR-XK-0101', column: '法定办结时限', reason: '第 4 行“法定办结时限”列：应为整数' },
      { row: 1, code: '', column: '', reason: '第 1 行（标题行）的“remark”不是导入模板中的列，请删除该列或按模板填写' },
    ])
    expect(fieldLabel('entries[2].basis')).toBe('第3条·依据')
  })
})

describe('who may do what', () => {
  const admin: Actor = { isAdmin: true, isDepartmentAdmin: false, department: null }
  const amr: Actor = { isAdmin: false, isDepartmentAdmin: true, department: 'amr' }

  it('offers the actions of the newest version’s status, for one’s own department only', () => {
    expect(itemActions('draft', 'amr', amr)).toEqual(['edit', 'publish'])
    expect(itemActions('published', 'amr', admin)).toEqual(['newVersion', 'retire'])
    expect(itemActions('retired', 'psb', admin)).toEqual(['newVersion'])
    expect(itemActions('superseded', 'amr', admin)).toEqual([])
    expect(itemActions('draft', 'psb', amr)).toEqual([])
    expect(itemActions('draft', 'amr', { isAdmin: false, isDepartmentAdmin: false, department: 'amr' })).toEqual([])
  })

  it('lets departments submit and only administrators publish a list', () => {
    expect(listActions('draft', 'amr', amr)).toEqual(['newDraft', 'submit', 'delete'])
    expect(listActions('submitted', 'amr', amr)).toEqual(['newDraft'])
    expect(listActions('draft', 'amr', admin)).toEqual(['newDraft', 'submit', 'publish', 'delete'])
    expect(listActions('submitted', 'amr', admin)).toEqual(['newDraft', 'publish'])
    expect(listActions('published', 'amr', admin)).toEqual(['newDraft'])
    expect(listActions('published', 'psb', amr)).toEqual([])
  })

  it('finds the newest version and the one in force', () => {
    const summary = versionSummary([version(2, 'draft'), version(1, 'published')])
    expect(summary.latest?.version).toBe(2)
    expect(summary.published?.version).toBe(1)
    expect(versionSummary([])).toEqual({ latest: null, published: null })
  })
})

describe('list entries', () => {
  it('are checked as ListEntry is, with duplicates named at the second one', () => {
    const good = { ...emptyListEntry(), code: 'XK-01', name: '食品经营许可', basis: '第三十五条', amount: '' }
    expect(checkListEntries([good]).value).toEqual([{ code: 'XK-01', name: '食品经营许可', category: '', basis: '第三十五条', content: '', amount: null }])
    const bad = checkListEntries([good, { ...good }, { ...emptyListEntry(), code: 'bad code' }])
    expect(bad.value).toBeNull()
    expect(bad.errors).toEqual({
      'entries.1.code': '编码 XK-01 重复出现',
      'entries.2.code': '编码为1至64位字母、数字、点、下划线或连字符',
      'entries.2.name': '请填写名称',
      'entries.2.basis': '请填写依据',
    })
    expect(checkListEntries([]).errors).toEqual({ entries: '至少填写一条' })
  })
})

describe('the staff listing and retiring', () => {
  it('reads the status filter from the address, all by default', () => {
    expect(itemListStatus('retired')).toBe('retired')
    expect(itemListStatus('draft')).toBe('draft')
    expect(itemListStatus('superseded')).toBe('all')
    expect(itemListStatus(undefined)).toBe('all')
  })

  it('names the version in force under a pending draft', () => {
    expect(entryNote({ version: 3, published_version: 2, draft_pending: true })).toBe('现行第 2 版，第 3 版待发布')
    expect(entryNote({ version: 1, published_version: null, draft_pending: false })).toBe('')
    expect(entryNote({ version: 2, published_version: 2, draft_pending: false })).toBe('')
  })

  it('checks the retirement reason as the API does', () => {
    expect(checkRetireReason('')).toBe('请填写停用原因')
    expect(checkRetireReason('   ')).toBe('请填写停用原因')
    expect(checkRetireReason('并入其他事项')).toBe('')
    expect(checkRetireReason('停'.repeat(500))).toBe('')
    expect(checkRetireReason('停'.repeat(501))).toBe('停用原因不能超过 500 个字')
    expect(checkRetireReason('😀'.repeat(500))).toBe('') // characters, not UTF-16 units
  })

  it('shows the API refusal of a blank reason at the field, in Chinese', () => {
    const error = apiError(422, [{ field: 'reason', message: 'Value error, the reason must not be blank' }])
    expect(catalogueProblem(error, (p) => p === 'reason').fields).toEqual({ reason: '请填写停用原因' })
    const tooLong = apiError(422, [{ field: 'reason', message: 'String should have at most 500 characters' }])
    expect(catalogueProblem(tooLong, () => false).general[0]).toMatch(/^停用原因：/)
  })
})

describe('the API client for the workbench', () => {
  const calls: string[] = []

  function answer(body: unknown, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...headers } })
  }

  afterEach(() => {
    calls.length = 0
    vi.unstubAllGlobals()
  })

  it('reads every page of an item\'s versions', async () => {
    vi.stubGlobal('fetch', async (input: string) => {
      calls.push(input)
      const page = Number(new URL(input, 'http://x').searchParams.get('page'))
      const versions = page === 1 ? Array.from({ length: 100 }, (_, i) => version(i + 1, 'superseded')) : [version(101, 'draft')]
      return answer(versions, { 'X-Total-Count': '101', 'X-Page': String(page), 'X-Page-Size': '100' })
    })
    const versions = await listItemVersions('330122-AMR-XK-0099')
    expect(versions).toHaveLength(101)
    expect(versions.at(-1)!.status).toBe('draft')
    expect(calls.map((c) => new URL(c, 'http://x').search)).toEqual(['?page=1&page_size=100', '?page=2&page_size=100'])
  })

  it('asks the staff listing with its filters, and rectifications by department', async () => {
    vi.stubGlobal('fetch', async (input: string) => {
      calls.push(input)
      return answer([], { 'X-Total-Count': '0' })
    })
    await listCatalogueItems({ status: 'retired', department: 'psb', q: '犬只', page: 2, pageSize: 10 })
    await listCatalogueItems({ status: 'all', department: '', q: '' })
    await listRectifications({ status: 'open', department: 'hrss' })
    const queries = calls.map((c) => Object.fromEntries(new URL(c, 'http://x').searchParams))
    expect(queries[0]).toEqual({ status: 'retired', department: 'psb', q: '犬只', page: '2', page_size: '10' })
    expect(queries[1]).toEqual({ status: 'all' })
    expect(queries[2]).toEqual({ status: 'open', department: 'hrss' })
  })

  it('sends the reason with a retirement', async () => {
    const bodies: unknown[] = []
    vi.stubGlobal('fetch', async (input: string, init: RequestInit) => {
      calls.push(input)
      bodies.push(JSON.parse(String(init.body)))
      return answer(version(1, 'retired'))
    })
    await retireItem('330122-AMR-XK-0099', '并入其他事项')
    expect(calls[0]).toMatch(/\/items\/330122-AMR-XK-0099\/retire$/)
    expect(bodies).toEqual([{ reason: '并入其他事项' }])
  })
})

describe('the guide fields of the item form', () => {
  it('turns lines into conditions and steps, and a guide back into lines', () => {
    const checked = checkItemForm(
      filled({
        guide_conditions: '已取得营业执照\n\n场所符合要求',
        guide_steps: '受理|材料齐全的当场受理\n审查｜书面审查｜7',
        guide_consultation_phone: '0571-64120001、12345',
        guide_visits: '1',
        guide_booking: true,
      }),
    )
    expect(checked.errors).toEqual({})
    const guide = checked.value!.guide
    expect(guide.acceptance_conditions).toEqual(['已取得营业执照', '场所符合要求'])
    expect(guide.process_steps).toEqual([
      { name: '受理', description: '材料齐全的当场受理', days: null },
      { name: '审查', description: '书面审查', days: 7 },
    ])
    expect(guide.visits).toBe(1)
    expect(guideForm(guide).guide_steps).toBe('受理|材料齐全的当场受理\n审查|书面审查|7')
  })

  it('names a bad guide field under the API’s path', () => {
    const bad = checkItemForm(filled({ guide_visits: '0', guide_consultation_phone: '打电话', guide_steps: '审查|说明|三天' }))
    expect(Object.keys(bad.errors).sort()).toEqual(['guide.consultation_phone', 'guide.process_steps', 'guide.visits'])
  })
})
