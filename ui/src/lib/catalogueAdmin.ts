/**
 * The catalogue workbench (事项管理, 清单管理) without Vue: the item form and its checks (the limits
 * service-management's OpenAPI declares for `ItemIn`, read from the generated `service-management.limits`, and `check_item`), the API's messages in Chinese, the
 * difference between two item versions as rows, the import template, and which actions a status
 * and a role allow. The API still decides; these keep a person from sending what it would refuse.
 */
import { isApiError } from '@/api'
import type { SM, SMIn } from '@/api/schemas'
import { ITEM_TYPE, materialFormLabel } from '@/lib/labels'
import { statusSummary, translateMessage } from '@/lib/problem'
import { DraftIn, Fee_Input, FormField, ItemIn, ListEntry, Material, ProcessStep, RetireIn, ServiceGuide } from '@/api/generated/public.limits'

// ---------------------------------------------------------------- the API's shapes (generated from its OpenAPI)

export type ItemType = SMIn['ItemIn']['item_type']
export type OnlineDepth = NonNullable<SMIn['ItemIn']['online_depth']>
export type Channel = NonNullable<SMIn['ItemIn']['channels']>[number]
export type ItemAudience = SMIn['ItemIn']['audience'][number]
export type TrustLevel = NonNullable<SMIn['Material']['accepted_trust_levels']>[number]
export type MaterialForm = SMIn['Material']['form']
export type FieldType = SMIn['FormField']['type']
export type MaterialSource = NonNullable<SMIn['Material']['source']>
export type ResultDelivery = NonNullable<SMIn['ServiceGuide']['result_delivery']>[number]

export type ItemFee = SM['Fee-Input']
export type ItemMaterialSpec = SM['Material']
export type ItemFormFieldSpec = SM['FormField']

/** What `POST /items` and `PUT /items/{code}/draft` take (`ItemIn`), every field given. */
export type ItemInput = SM['ItemIn']

/** Why, when and by whom a version was retired (`by` only for staff). */
export type Retirement = SM['Retirement']

/** One version of an item as `GET /items/{code}/versions` answers it (`ItemDetail`; its item type, channels and
 *  audience are plain strings in the schema, narrowed here to what `ItemIn` accepts). */
export type ItemVersion = Omit<SM['ItemDetail'], keyof ItemInput> & ItemInput

/** An item as the staff listing (`GET /items?status=`) answers it: its latest version and the one in force. */
export type ItemEntry = SM['ItemListEntry']

// ---------------------------------------------------------------- names a person reads

export const ITEM_TYPE_CODES: Record<ItemType, string> = {
  licensing: 'XK',
  benefit: 'JF',
  confirmation: 'QR',
  levy: 'ZS',
  adjudication: 'CJ',
  award: 'JL',
  other_power: 'QT',
  public_service: 'GG',
}

export const ITEM_TYPES = (Object.keys(ITEM_TYPE_CODES) as ItemType[]).map((value) => ({ value, label: ITEM_TYPE[value] ?? value }))

export const ONLINE_DEPTHS: { value: OnlineDepth; label: string }[] = [
  { value: 'window_only', label: '仅窗口办理' },
  { value: 'online_booking', label: '网上预约' },
  { value: 'at_most_one_visit', label: '最多跑一次' },
  { value: 'zero_visits', label: '零跑动' },
]

export const CHANNELS: { value: Channel; label: string }[] = [
  { value: 'online', label: '网上办理' },
  { value: 'window', label: '窗口办理' },
  { value: 'mobile', label: '移动端办理' },
]

export const AUDIENCES: { value: ItemAudience; label: string }[] = [
  { value: 'person', label: '自然人' },
  { value: 'entity', label: '法人' },
]

export const TRUST_LEVELS: TrustLevel[] = ['A', 'B', 'C', 'D']

export const MATERIAL_FORMS: { value: MaterialForm; label: string }[] = [
  { value: 'electronic', label: '电子件' },
  { value: 'original', label: '原件' },
  { value: 'copy', label: '复印件' },
]

export const MATERIAL_SOURCES: { value: MaterialSource; label: string }[] = [
  { value: 'applicant', label: '申请人自备' },
  { value: 'government', label: '政府部门核发' },
]

export const RESULT_DELIVERIES: { value: ResultDelivery; label: string }[] = [
  { value: 'electronic', label: '电子证照（网上送达）' },
  { value: 'window', label: '窗口领取' },
  { value: 'mail', label: '邮寄送达' },
]

export const FIELD_TYPES: { value: FieldType; label: string }[] = [
  { value: 'string', label: '单行文字' },
  { value: 'text', label: '多行文字' },
  { value: 'number', label: '数字' },
  { value: 'integer', label: '整数' },
  { value: 'date', label: '日期' },
  { value: 'boolean', label: '是/否' },
  { value: 'division', label: '行政区划（从列表选择）' },
]

/** The item's fields (and the import's columns) in Chinese. */
export const ITEM_FIELD_LABELS: Record<string, string> = {
  code: '事项编码',
  name: '事项名称',
  item_type: '事项类型',
  department_code: '实施部门',
  legal_basis: '设定依据',
  statutory_days: '法定办结时限',
  committed_days: '承诺办结时限',
  fee: '收费',
  'fee.free': '是否收费',
  'fee.amount': '收费金额',
  'fee.basis': '收费依据',
  fee_amount: '收费金额',
  fee_basis: '收费依据',
  materials: '申请材料',
  online_depth: '网办深度',
  channels: '办理渠道',
  audience: '服务对象',
  themes: '主题',
  keywords: '关键词',
  description: '事项说明',
  form_fields: '表单字段',
  instant_approval: '秒批',
  license_type: '出具证照类型',
  license_name: '出具证照名称',
  guide: '办事指南',
  'guide.acceptance_conditions': '受理条件',
  'guide.process_steps': '办理流程',
  'guide.location': '办理地点',
  'guide.hours': '办理时间',
  'guide.consultation_phone': '咨询电话',
  'guide.complaint_phone': '监督投诉电话',
  'guide.visits': '到现场次数',
  'guide.result_delivery': '送达方式',
  'guide.booking': '预约办理',
  row: '整行',
  file: '文件',
  reason: '停用原因',
}

const MATERIAL_FIELD_LABELS: Record<string, string> = {
  code: '材料编码',
  name: '材料名称',
  form: '材料形式',
  required: '是否必需',
  license_type: '可代替的证照类型',
  accepted_trust_levels: '接受的可信等级',
  copies: '份数',
  source: '来源',
  note: '填报须知',
}

const FORM_FIELD_LABELS: Record<string, string> = {
  name: '字段名',
  label: '显示名称',
  type: '类型',
  required: '是否必填',
  prefill: '自动填写来源',
}

export const LIST_ENTRY_LABELS: Record<string, string> = {
  code: '编码',
  name: '名称',
  category: '类别',
  basis: '依据',
  content: '内容',
  amount: '金额/标准',
}

/** `materials.1.form` -> 申请材料第2行·材料形式; `entries[0].code` -> 第1条·编码. */
export function fieldLabel(path: string): string {
  const parts = normalizePath(path).split('.')
  const [head, index, leaf] = parts
  if ((head === 'materials' || head === 'form_fields' || head === 'entries') && index !== undefined && /^\d+$/.test(index)) {
    const row = Number(index) + 1
    const labels = head === 'materials' ? MATERIAL_FIELD_LABELS : head === 'form_fields' ? FORM_FIELD_LABELS : LIST_ENTRY_LABELS
    const where = head === 'entries' ? `第${row}条` : `${ITEM_FIELD_LABELS[head]}第${row}行`
    return leaf ? `${where}·${labels[leaf] ?? leaf}` : where
  }
  return ITEM_FIELD_LABELS[normalizePath(path)] ?? LIST_ENTRY_LABELS[normalizePath(path)] ?? path
}

const ITEM_STATUS: Record<string, string> = {
  draft: '草稿',
  published: '已发布',
  superseded: '已被新版本替代',
  retired: '已停用',
  submitted: '已报审',
}

export function itemStatusLabel(status: string): string {
  return ITEM_STATUS[status] ?? status
}

export function itemStatusTag(status: string): 'success' | 'info' | 'warning' | 'danger' | 'primary' {
  if (status === 'published') return 'success'
  if (status === 'draft') return 'warning'
  if (status === 'submitted') return 'primary'
  if (status === 'retired') return 'danger'
  return 'info'
}

export function onlineDepthLabel(value: string): string {
  return ONLINE_DEPTHS.find((d) => d.value === value)?.label ?? value
}

export function channelsLabel(values: readonly string[]): string {
  return values.map((v) => CHANNELS.find((c) => c.value === v)?.label ?? v).join('、')
}

// ---------------------------------------------------------------- the API's messages in Chinese

type Rule = [RegExp, (m: RegExpMatchArray) => string]

const MESSAGES: Rule[] = [
  [/^a (\w+) item's code has type code (\w+), not (\w+)/, (m) => `${ITEM_TYPE[m[1]!] ?? m[1]}事项的编码中类型代码应为 ${m[2]}，不是 ${m[3]}`],
  [/^the committed time limit exceeds the statutory one/, () => '承诺办结时限不能超过法定办结时限'],
  [/^no department (\S+)/, (m) => `部门 ${m[1]} 不存在`],
  [/^material codes must be unique/, () => '材料编码不能重复'],
  [/^form field names must be unique/, () => '表单字段名不能重复'],
  [/^instant approval needs the online channel/, () => '秒批须开通网上办理渠道'],
  [/^service item (\S+) already exists/, (m) => `事项编码 ${m[1]} 已存在，请在事项列表中编辑它的草稿`],
  [/^the code of an item cannot change/, () => '事项编码不能修改'],
  [/^service item (\S+) has no draft to publish/, () => '该事项没有待发布的草稿'],
  [/^service item (\S+) does not exist or is not published/, (m) => `事项 ${m[1]} 不存在或尚未发布`],
  [/^service item (\S+) does not exist/, (m) => `事项 ${m[1]} 不存在`],
  [/^service item (\S+) has no version (\d+)/, (m) => `事项 ${m[1]} 没有第 ${m[2]} 版`],
  [/a charged item needs its amount and the legal basis of the fee/, () => '收费事项须填写收费金额和收费依据'],
  [/^the reason must not be blank/, () => '请填写停用原因'],
  [/^you may act only for department (\S+)/, (m) => `您只能办理本部门（${m[1]}）的事项`],
  [/^only an administrator may do this/, () => '仅管理员可以进行此操作'],
  [/^only an administrator or a department admin may do this/, () => '仅管理员或部门管理员可以进行此操作'],
  [/^only staff may do this/, () => '仅工作人员可以进行此操作'],
  [/^List should have at least (\d+) items?/, (m) => `至少选择${m[1]}项`],
  [/^List should have at most (\d+) items?/, (m) => `最多${m[1]}项`],
  [/^Input should be greater than or equal to (\S+)/, (m) => `不能小于 ${m[1]}`],
  [/^Input should be less than or equal to (\S+)/, (m) => `不能大于 ${m[1]}`],
  [/^Decimal input should have no more than (\d+) decimal places?/, (m) => `最多${m[1]}位小数`],
  [/^Decimal input should have no more than (\d+) digits?/, (m) => `最多${m[1]}位数字`],
  [/^Input should be a valid decimal/, () => '应为金额数字'],
  [/^Input should be a valid boolean/, () => '应为“是”或“否”'],
  [/^Input should be a valid (integer|number)/, () => '应为整数'],
  [/^Input should be (('[^']+'(, | or )?)+)$/, () => '取值不在可选范围内'],
  // import (catalogue/importer.py, lists/service.py, tabular.py, uploads.py)
  [/^the column is missing/, () => '文件缺少此列'],
  [/^the code appears twice in the file/, () => '编码在文件中重复出现'],
  [/^material '?(.*?)'? is not code\|name\|form\|required\|licen[cs]e type/, (m) => `材料“${m[1]}”应写成 编码|名称|形式|required或optional|证照类型`],
  [/^material (\S+): say required or optional, not (.+)$/, (m) => `材料 ${m[1]} 应注明 required（必需）或 optional（可选），不是 ${m[2]}`],
  [/^a CSV file must be UTF-8 encoded/, () => 'CSV 文件须为 UTF-8 编码'],
  [/^not a readable \.xlsx workbook/, () => '无法读取该 .xlsx 工作簿，请确认文件未损坏'],
  [/^the file has no header row/, () => '文件没有表头行'],
  [/^at most (\d+) rows per import/, (m) => `每次最多导入 ${m[1]} 行`],
  [/^the file is larger than (\d+) bytes/, (m) => `文件不能超过 ${Math.round(Number(m[1]) / 1024 / 1024)} MB`],
  [/^unknown column/, () => '文件中有无法识别的列'],
  [/^code (\S+) appears twice/, (m) => `编码 ${m[1]} 重复出现`],
  // the five lists
  [/^list version (\d+) is (\w+), not a draft/, (m) => `第 ${m[1]} 号版本${itemStatusLabel(m[2]!)}，不是草稿，不能报审`],
  [/^list version (\d+) is (\w+) already/, (m) => `第 ${m[1]} 号版本已${itemStatusLabel(m[2]!).replace(/^已/, '')}，不能重复发布`],
  [/^list version (\d+) not found/, () => '未找到该清单版本'],
  [/^compare two versions of the same department's same list/, () => '只能比较同一部门同一清单的两个版本'],
]

/** One of the API's messages in Chinese (the catalogue's own first, then the portal's common ones). */
export function catalogueMessage(message: string, status = 422, label?: string): string {
  const text = message.trim().replace(/^Value error, /, '')
  for (const [pattern, render] of MESSAGES) {
    const match = text.match(pattern)
    if (match) return render(match)
  }
  return translateMessage(text, label) ?? `${statusSummary(status)}（${text}）`
}

/** `entries[1].code` (the lists' own checks) and `entries.1.code` (pydantic's) are the same field. */
export function normalizePath(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '')
}

export interface CatalogueProblem {
  fields: Record<string, string>
  general: string[]
  summary: string
  status: number
}

/**
 * A thrown error mapped onto a form: the message next to each field the form shows (`shown`
 * decides by the field's path), the rest as sentences. A refusal (403) is always a sentence too,
 * so it cannot be missed.
 */
export function catalogueProblem(error: unknown, shown: (path: string) => boolean): CatalogueProblem {
  if (!isApiError(error)) {
    const text = error instanceof Error ? error.message : String(error)
    return { fields: {}, general: [`页面出错：${text}`], summary: `页面出错：${text}`, status: 0 }
  }
  const { problem } = error
  const fields: Record<string, string> = {}
  const general: string[] = []
  for (const entry of problem.errors ?? []) {
    const path = normalizePath(String(entry.field ?? ''))
    const message = catalogueMessage(String(entry.message ?? ''), problem.status, ITEM_FIELD_LABELS[path])
    if (path && shown(path)) {
      fields[path] ??= message
      if (problem.status === 403) general.push(message)
    } else {
      general.push(path && path !== 'body' ? `${fieldLabel(path)}：${message}` : message)
    }
  }
  if (!problem.errors?.length) general.push(problem.detail ? catalogueMessage(problem.detail, problem.status) : statusSummary(problem.status))
  const summary = general[0] ?? statusSummary(problem.status)
  return { fields, general, summary, status: problem.status }
}

/** One sentence for an error outside a form. */
export function describeCatalogueError(error: unknown): string {
  return catalogueProblem(error, () => false).summary
}

// ---------------------------------------------------------------- the item form

export interface MaterialRow {
  code: string
  name: string
  form: MaterialForm
  required: boolean
  license_type: string
  accepted_trust_levels: TrustLevel[]
  copies: string
  source: MaterialSource
  note: string
}

export interface FormFieldRow {
  name: string
  label: string
  type: FieldType
  required: boolean
  prefill: string
}

/** The form as a person fills it: numbers and lists as text until checked. */
export interface ItemForm {
  code: string
  name: string
  item_type: ItemType | ''
  department_code: string
  legal_basis: string
  statutory_days: string
  committed_days: string
  fee_free: boolean
  fee_amount: string
  fee_basis: string
  online_depth: OnlineDepth
  channels: Channel[]
  audience: ItemAudience[]
  themes: string
  keywords: string
  description: string
  instant_approval: boolean
  license_type: string
  license_name: string
  materials: MaterialRow[]
  form_fields: FormFieldRow[]
  /** 办事指南: conditions one per line; steps one per line as 名称|说明|工作日 (the last two optional). */
  guide_conditions: string
  guide_steps: string
  guide_location: string
  guide_hours: string
  guide_consultation_phone: string
  guide_complaint_phone: string
  /** '' : as the online depth says */
  guide_visits: string
  guide_result_delivery: ResultDelivery[]
  guide_booking: boolean
}

export const ITEM_CODE_PATTERN = new RegExp(ItemIn.code.pattern)
const MATERIAL_CODE = new RegExp(Material.code.pattern)
const FIELD_NAME = new RegExp(FormField.name.pattern)
const PREFILL = /^[a-z_]+\.[a-z_]+$/
const AMOUNT = /^\d+(\.\d{1,2})?$/

export function emptyItemForm(department = ''): ItemForm {
  return {
    code: '',
    name: '',
    item_type: '',
    department_code: department,
    legal_basis: '',
    statutory_days: '',
    committed_days: '',
    fee_free: true,
    fee_amount: '',
    fee_basis: '',
    online_depth: 'at_most_one_visit',
    channels: ['online', 'window'],
    audience: [],
    themes: '',
    keywords: '',
    description: '',
    instant_approval: false,
    license_type: '',
    license_name: '',
    materials: [],
    form_fields: [],
    guide_conditions: '',
    guide_steps: '',
    guide_location: '',
    guide_hours: '',
    guide_consultation_phone: '',
    guide_complaint_phone: '',
    guide_visits: '',
    guide_result_delivery: ['electronic'],
    guide_booking: false,
  }
}

export function emptyMaterial(): MaterialRow {
  return { code: '', name: '', form: 'electronic', required: true, license_type: '', accepted_trust_levels: ['A', 'B'], copies: '1', source: 'applicant', note: '' }
}

export function emptyFormField(): FormFieldRow {
  return { name: '', label: '', type: 'string', required: true, prefill: '' }
}

/** A version of an item as the form edits it (the next draft starts from it). */
export function formFromItem(item: ItemVersion): ItemForm {
  return {
    code: item.code,
    name: item.name,
    item_type: item.item_type,
    department_code: item.department_code,
    legal_basis: item.legal_basis,
    statutory_days: String(item.statutory_days),
    committed_days: String(item.committed_days),
    fee_free: item.fee?.free ?? true,
    fee_amount: item.fee?.amount === null || item.fee?.amount === undefined ? '' : String(item.fee.amount),
    fee_basis: item.fee?.basis ?? '',
    online_depth: item.online_depth,
    channels: [...item.channels],
    audience: [...item.audience],
    themes: item.themes.join('；'),
    keywords: item.keywords.join('；'),
    description: item.description ?? '',
    instant_approval: item.instant_approval,
    license_type: item.license_type ?? '',
    license_name: item.license_name ?? '',
    materials: item.materials.map((m) => ({
      code: m.code,
      name: m.name,
      form: m.form,
      required: m.required,
      license_type: m.license_type ?? '',
      accepted_trust_levels: [...(m.accepted_trust_levels ?? ['A', 'B'])],
      copies: String(m.copies ?? 1),
      source: m.source ?? 'applicant',
      note: m.note ?? '',
    })),
    form_fields: item.form_fields.map((f) => ({ name: f.name, label: f.label, type: f.type, required: f.required ?? true, prefill: f.prefill ?? '' })),
    ...guideForm(item.guide),
  }
}

type GuideFields = Pick<
  ItemForm,
  | 'guide_conditions'
  | 'guide_steps'
  | 'guide_location'
  | 'guide_hours'
  | 'guide_consultation_phone'
  | 'guide_complaint_phone'
  | 'guide_visits'
  | 'guide_result_delivery'
  | 'guide_booking'
>

/** An item's guide as the form edits it. */
export function guideForm(guide: Partial<SM['ServiceGuide']> | null | undefined): GuideFields {
  const steps = guide?.process_steps ?? []
  return {
    guide_conditions: (guide?.acceptance_conditions ?? []).join('\n'),
    guide_steps: steps.map((s) => [s.name, s.description ?? '', s.days ?? ''].join('|').replace(/\|+$/, '')).join('\n'),
    guide_location: guide?.location ?? '',
    guide_hours: guide?.hours ?? '',
    guide_consultation_phone: guide?.consultation_phone ?? '',
    guide_complaint_phone: guide?.complaint_phone ?? '',
    guide_visits: guide?.visits === null || guide?.visits === undefined ? '' : String(guide.visits),
    guide_result_delivery: [...(guide?.result_delivery ?? ['electronic'])],
    guide_booking: guide?.booking ?? false,
  }
}

const PHONE = new RegExp(ServiceGuide.consultation_phone.pattern)

/** The guide's fields checked as `ServiceGuide` checks them; errors under the API's paths (`guide.location`). */
export function checkGuide(form: ItemForm, errors: Record<string, string>): SM['ServiceGuide'] {
  const conditions = form.guide_conditions.split('\n').map((c) => c.trim()).filter(Boolean)
  if (conditions.length > ServiceGuide.acceptance_conditions.maxItems) errors['guide.acceptance_conditions'] = `受理条件最多${ServiceGuide.acceptance_conditions.maxItems}条`
  else if (conditions.some((c) => c.length > 500)) errors['guide.acceptance_conditions'] = '每条受理条件最多500字'
  const steps: SM['ProcessStep'][] = []
  form.guide_steps
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const [name = '', description = '', days = ''] = line.split(/[|｜]/).map((p) => p.trim())
      const n = days === '' ? null : /^\d+$/.test(days) ? Number(days) : NaN
      if (!name || name.length > ProcessStep.name.maxLength) errors['guide.process_steps'] = `第${i + 1}行：环节名称为1至${ProcessStep.name.maxLength}个字`
      else if (description.length > ProcessStep.description.maxLength) errors['guide.process_steps'] = `第${i + 1}行：环节说明最多${ProcessStep.description.maxLength}个字`
      else if (n !== null && (Number.isNaN(n) || n > 365)) errors['guide.process_steps'] = `第${i + 1}行：时限应为0至365之间的整数（工作日）`
      steps.push({ name, description, days: n })
    })
  if (steps.length > ServiceGuide.process_steps.maxItems) errors['guide.process_steps'] = `办理流程最多${ServiceGuide.process_steps.maxItems}个环节`
  const text = (key: 'location' | 'hours', value: string, label: string): string => {
    const limit = ServiceGuide[key].maxLength
    if (value.trim().length > limit) errors[`guide.${key}`] = `${label}最多${limit}个字`
    return value.trim()
  }
  const phone = (key: 'consultation_phone' | 'complaint_phone', value: string, label: string): string => {
    const v = value.trim()
    if (v.length > ServiceGuide[key].maxLength || !PHONE.test(v)) errors[`guide.${key}`] = `${label}只能包含数字、括号、连字符、空格和顿号，如 0571-64120001、12345`
    return v
  }
  const visits = form.guide_visits === '' ? null : Number(form.guide_visits)
  if (visits !== null && (visits === 0) !== (form.online_depth === 'zero_visits')) {
    errors['guide.visits'] = '到现场次数为 0 的事项网办深度应为“零跑动”，零跑动事项的到现场次数应为 0'
  }
  return {
    acceptance_conditions: conditions,
    process_steps: steps,
    location: text('location', form.guide_location, '办理地点'),
    hours: text('hours', form.guide_hours, '办理时间'),
    consultation_phone: phone('consultation_phone', form.guide_consultation_phone, '咨询电话'),
    complaint_phone: phone('complaint_phone', form.guide_complaint_phone, '监督投诉电话'),
    visits,
    result_delivery: [...form.guide_result_delivery],
    booking: form.guide_booking,
  }
}

/** `a；b, c、d` -> [a, b, c, d]: people separate with whatever punctuation is at hand. */
export function splitWords(text: string): string[] {
  return text
    .split(/[;；,，、\n]/)
    .map((w) => w.trim())
    .filter(Boolean)
}

function wholeNumber(text: string): number | null {
  const value = text.trim()
  return /^\d+$/.test(value) ? Number(value) : null
}

export interface Checked<T> {
  value: T | null
  errors: Record<string, string>
}

/**
 * The form checked as the API checks it (ItemIn and check_item), with the errors under the API's
 * own field paths so that the API's answer lands in the same places.
 */
export function checkItemForm(form: ItemForm, options: { editing?: boolean } = {}): Checked<ItemInput> {
  const errors: Record<string, string> = {}
  const code = form.code.trim()
  const name = form.name.trim()
  if (!code) errors.code = '请填写事项编码'
  else if (!ITEM_CODE_PATTERN.test(code)) errors.code = '事项编码格式为 行政区划代码-部门-类型-序号，如 330122-AMR-XK-0099'
  if (name.length < ItemIn.name.minLength) errors.name = `事项名称至少${ItemIn.name.minLength}个字`
  else if (name.length > ItemIn.name.maxLength) errors.name = `事项名称最多${ItemIn.name.maxLength}个字`
  if (!form.item_type) errors.item_type = '请选择事项类型'
  else if (!errors.code && !options.editing) {
    const wanted = ITEM_TYPE_CODES[form.item_type]
    const found = code.split('-')[2]
    if (found !== wanted) errors.code = `${ITEM_TYPE[form.item_type]}事项的编码中类型代码应为 ${wanted}，不是 ${found}`
  } else if (!errors.code && options.editing && code.split('-')[2] !== ITEM_TYPE_CODES[form.item_type]) {
    errors.item_type = `事项编码中的类型代码为 ${code.split('-')[2]}，事项类型须与之一致`
  }
  if (!form.department_code) errors.department_code = '请选择实施部门'
  const basis = form.legal_basis.trim()
  if (!basis) errors.legal_basis = '请填写设定依据'
  else if (basis.length > ItemIn.legal_basis.maxLength) errors.legal_basis = `设定依据最多${ItemIn.legal_basis.maxLength}个字`
  const statutory = wholeNumber(form.statutory_days)
  const committed = wholeNumber(form.committed_days)
  const [sMin, sMax, cMin, cMax] = [ItemIn.statutory_days.minimum, ItemIn.statutory_days.maximum, ItemIn.committed_days.minimum, ItemIn.committed_days.maximum]
  if (statutory === null || statutory < sMin || statutory > sMax) errors.statutory_days = `法定办结时限应为${sMin}至${sMax}之间的整数（工作日）`
  if (committed === null || committed < cMin || committed > cMax) errors.committed_days = `承诺办结时限应为${cMin}至${cMax}之间的整数（工作日）`
  else if (statutory !== null && committed > statutory) errors.committed_days = '承诺办结时限不能超过法定办结时限'

  let amount: string | null = null
  if (!form.fee_free) {
    const raw = form.fee_amount.trim()
    if (!raw) errors['fee.amount'] = '收费事项须填写收费金额'
    else if (!AMOUNT.test(raw) || raw.replace('.', '').replace(/^0+(?=\d)/, '').length > 12) errors['fee.amount'] = '收费金额应为不小于0的数字，最多两位小数'
    else amount = raw
    if (!form.fee_basis.trim()) errors['fee.basis'] = '收费事项须填写收费依据'
  }
  if (form.fee_basis.trim().length > Fee_Input.basis.maxLength) errors['fee.basis'] = `收费依据最多${Fee_Input.basis.maxLength}个字`

  if (!form.channels.length) errors.channels = '至少选择一个办理渠道'
  if (!form.audience.length) errors.audience = '至少选择一类服务对象'
  const themes = splitWords(form.themes)
  const keywords = splitWords(form.keywords)
  if (themes.length > ItemIn.themes.maxItems) errors.themes = `主题最多${ItemIn.themes.maxItems}个`
  if (keywords.length > ItemIn.keywords.maxItems) errors.keywords = `关键词最多${ItemIn.keywords.maxItems}个`
  if (form.description.length > ItemIn.description.maxLength) errors.description = `事项说明最多${ItemIn.description.maxLength}个字`
  if (form.instant_approval && !form.channels.includes('online')) errors.instant_approval = '秒批须开通网上办理渠道'
  if (form.license_type.trim().length > ItemIn.license_type.maxLength) errors.license_type = `证照类型最多${ItemIn.license_type.maxLength}个字符`
  if (form.license_name.trim().length > ItemIn.license_name.maxLength) errors.license_name = `证照名称最多${ItemIn.license_name.maxLength}个字`

  if (form.materials.length > ItemIn.materials.maxItems) errors.materials = `申请材料最多${ItemIn.materials.maxItems}项`
  const materialCodes = new Set<string>()
  form.materials.forEach((m, i) => {
    const at = `materials.${i}`
    const mcode = m.code.trim()
    if (!MATERIAL_CODE.test(mcode)) errors[`${at}.code`] = '材料编码为1至64位字母、数字、下划线或连字符'
    else if (materialCodes.has(mcode)) errors[`${at}.code`] = '材料编码不能重复'
    materialCodes.add(mcode)
    if (!m.name.trim()) errors[`${at}.name`] = '请填写材料名称'
    else if (m.name.trim().length > Material.name.maxLength) errors[`${at}.name`] = `材料名称最多${Material.name.maxLength}个字`
    if (m.license_type.trim().length > Material.license_type.maxLength) errors[`${at}.license_type`] = `证照类型最多${Material.license_type.maxLength}个字符`
    const copies = wholeNumber(m.copies)
    if (copies === null || copies < Material.copies.minimum || copies > Material.copies.maximum) errors[`${at}.copies`] = `份数应为${Material.copies.minimum}至${Material.copies.maximum}之间的整数`
    if (m.note.trim().length > Material.note.maxLength) errors[`${at}.note`] = `填报须知最多${Material.note.maxLength}个字`
  })
  const guide = checkGuide(form, errors)

  if (form.form_fields.length > ItemIn.form_fields.maxItems) errors.form_fields = `表单字段最多${ItemIn.form_fields.maxItems}个`
  const fieldNames = new Set<string>()
  form.form_fields.forEach((f, i) => {
    const at = `form_fields.${i}`
    const fname = f.name.trim()
    if (!FIELD_NAME.test(fname)) errors[`${at}.name`] = '字段名以小写字母开头，只含小写字母、数字和下划线'
    else if (fieldNames.has(fname)) errors[`${at}.name`] = '表单字段名不能重复'
    fieldNames.add(fname)
    if (!f.label.trim()) errors[`${at}.label`] = '请填写显示名称'
    else if (f.label.trim().length > FormField.label.maxLength) errors[`${at}.label`] = `显示名称最多${FormField.label.maxLength}个字`
    if (f.prefill.trim() && !PREFILL.test(f.prefill.trim())) errors[`${at}.prefill`] = '自动填写来源形如 legal_entity.name'
  })

  if (Object.keys(errors).length) return { value: null, errors }
  return {
    errors,
    value: {
      code,
      name,
      item_type: form.item_type as ItemType,
      department_code: form.department_code,
      legal_basis: basis,
      statutory_days: statutory!,
      committed_days: committed!,
      fee: form.fee_free ? { free: true, amount: null, basis: null } : { free: false, amount, basis: form.fee_basis.trim() },
      materials: form.materials.map((m) => ({
        code: m.code.trim(),
        name: m.name.trim(),
        form: m.form,
        required: m.required,
        license_type: m.license_type.trim() || null,
        accepted_trust_levels: [...m.accepted_trust_levels],
        copies: Number(m.copies),
        source: m.source,
        note: m.note.trim(),
      })),
      online_depth: form.online_depth,
      channels: [...form.channels],
      audience: [...form.audience],
      themes,
      keywords,
      description: form.description,
      form_fields: form.form_fields.map((f) => ({
        name: f.name.trim(),
        label: f.label.trim(),
        type: f.type,
        required: f.required,
        prefill: f.prefill.trim() || null,
      })),
      instant_approval: form.instant_approval,
      license_type: form.license_type.trim() || null,
      license_name: form.license_name.trim() || null,
      guide,
    },
  }
}

/** Every field path the item form shows an error at (rows included). */
export function itemFormPaths(form: ItemForm): Set<string> {
  const paths = new Set(Object.keys(ITEM_FIELD_LABELS).filter((k) => !['row', 'file', 'fee_amount', 'fee_basis'].includes(k)))
  form.materials.forEach((_m, i) => Object.keys(MATERIAL_FIELD_LABELS).forEach((k) => paths.add(`materials.${i}.${k}`)))
  form.form_fields.forEach((_f, i) => Object.keys(FORM_FIELD_LABELS).forEach((k) => paths.add(`form_fields.${i}.${k}`)))
  return paths
}

// ---------------------------------------------------------------- versions and their difference

export interface DiffRow {
  field: string
  label: string
  before: string
  after: string
}

function feeText(fee: ItemFee | null | undefined): string {
  if (!fee || fee.free) return '不收费'
  return `收费 ${fee.amount ?? '—'} 元（依据：${fee.basis ?? '—'}）`
}

function materialText(m: ItemMaterialSpec): string {
  const parts = [m.name, materialFormLabel(m.form), m.required ? '必需' : '可选']
  if (m.license_type) parts.push(`可用证照 ${m.license_type}`)
  parts.push(`可信等级 ${(m.accepted_trust_levels ?? []).join('/') || '—'}`)
  parts.push(`${m.copies ?? 1} 份`, MATERIAL_SOURCES.find((x) => x.value === m.source)?.label ?? '申请人自备')
  if (m.note) parts.push(m.note)
  return parts.join('，')
}

function formFieldText(f: ItemFormFieldSpec): string {
  const type = FIELD_TYPES.find((t) => t.value === f.type)?.label ?? f.type
  const parts = [f.label, type, f.required ? '必填' : '选填']
  if (f.prefill) parts.push(`自动填写自 ${f.prefill}`)
  return parts.join('，')
}

function plain(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (field === 'item_type') return ITEM_TYPE[String(value)] ?? String(value)
  if (field === 'online_depth') return onlineDepthLabel(String(value))
  if (field === 'channels') return channelsLabel(value as string[]) || '—'
  if (field === 'audience') return (value as string[]).map((a) => AUDIENCES.find((x) => x.value === a)?.label ?? a).join('、') || '—'
  if (field === 'statutory_days' || field === 'committed_days') return `${String(value)} 个工作日`
  if (field === 'instant_approval') return value ? '是' : '否'
  if (Array.isArray(value)) return value.join('、') || '—'
  return String(value)
}

const COMPARED: (keyof ItemInput)[] = [
  'name',
  'item_type',
  'department_code',
  'legal_basis',
  'statutory_days',
  'committed_days',
  'fee',
  'online_depth',
  'channels',
  'audience',
  'themes',
  'keywords',
  'description',
  'instant_approval',
  'license_type',
  'license_name',
  'guide',
]

/** The guide as one line per part, for the versions' difference. */
function guideText(guide: SM['ServiceGuide'] | null | undefined): string {
  const g = guideForm(guide)
  const delivery = g.guide_result_delivery.map((d) => RESULT_DELIVERIES.find((x) => x.value === d)?.label ?? d).join('、')
  return [
    `受理条件：${g.guide_conditions.replace(/\n/g, '；') || '—'}`,
    `办理流程：${g.guide_steps.replace(/\n/g, '；') || '—'}`,
    `地点：${g.guide_location || '—'}`,
    `时间：${g.guide_hours || '—'}`,
    `咨询：${g.guide_consultation_phone || '—'}`,
    `投诉：${g.guide_complaint_phone || '—'}`,
    `到现场 ${g.guide_visits || '按网办深度'} 次`,
    `送达：${delivery || '—'}`,
    g.guide_booking ? '可预约' : '不可预约',
  ].join('\n')
}

function byKey<T>(rows: readonly T[], key: (row: T) => string): Map<string, T> {
  return new Map(rows.map((r) => [key(r), r]))
}

/**
 * What changed from one version of an item to another, one row per changed field; materials and
 * form fields one row per added, removed or changed entry (by material code, by field name).
 */
export function itemDiffRows(before: ItemInput, after: ItemInput, departmentName: (code: string) => string = (c) => c): DiffRow[] {
  const rows: DiffRow[] = []
  for (const field of COMPARED) {
    const a = before[field]
    const b = after[field]
    if (field === 'guide') {
      const [x, y] = [guideText(a as SM['ServiceGuide']), guideText(b as SM['ServiceGuide'])]
      if (x !== y) rows.push({ field, label: '办事指南', before: x, after: y })
      continue
    }
    if (field === 'fee') {
      if (feeText(a as ItemFee) !== feeText(b as ItemFee)) rows.push({ field, label: '收费', before: feeText(a as ItemFee), after: feeText(b as ItemFee) })
      continue
    }
    if (JSON.stringify(a ?? null) === JSON.stringify(b ?? null)) continue
    const show = (v: unknown): string => (field === 'department_code' && v ? departmentName(String(v)) : plain(field, v))
    rows.push({ field, label: ITEM_FIELD_LABELS[field] ?? field, before: show(a), after: show(b) })
  }
  const entries = <T>(field: 'materials' | 'form_fields', label: string, list: (i: ItemInput) => T[], key: (t: T) => string, text: (t: T) => string): void => {
    const old = byKey(list(before) ?? [], key)
    const now = byKey(list(after) ?? [], key)
    for (const [k, value] of now) {
      const previous = old.get(k)
      if (!previous) rows.push({ field, label: `${label} ${k}`, before: '—（新增）', after: text(value) })
      else if (text(previous) !== text(value)) rows.push({ field, label: `${label} ${k}`, before: text(previous), after: text(value) })
    }
    for (const [k, value] of old) if (!now.has(k)) rows.push({ field, label: `${label} ${k}`, before: text(value), after: '—（删除）' })
  }
  entries('materials', '申请材料', (i) => i.materials, (m) => m.code, materialText)
  entries('form_fields', '表单字段', (i) => i.form_fields, (f) => f.name, formFieldText)
  return rows
}

export type ListEntryValue = SM['ListEntry']

export type ListDiff = SM['DiffOut']

export interface ListDiffRow {
  code: string
  change: '新增' | '删除' | '修改'
  field: string
  before: string
  after: string
}

function entryText(e: ListEntryValue): string {
  return [e.name, e.category, e.basis, e.content, e.amount].filter((p) => p).join('；')
}

/** The lists' diff (`GET /lists/diff`) as rows: an added or removed entry in one row, a changed one per field. */
export function listDiffRows(diff: ListDiff): ListDiffRow[] {
  const rows: ListDiffRow[] = []
  for (const e of diff.added) rows.push({ code: e.code, change: '新增', field: '整条', before: '—', after: entryText(e) })
  for (const e of diff.removed) rows.push({ code: e.code, change: '删除', field: '整条', before: entryText(e), after: '—' })
  for (const c of diff.changed) {
    for (const f of c.fields) {
      const key = f as keyof ListEntryValue
      rows.push({ code: c.code, change: '修改', field: LIST_ENTRY_LABELS[f] ?? f, before: String(c.before[key] ?? '') || '—', after: String(c.after[key] ?? '') || '—' })
    }
  }
  return rows.sort((a, b) => a.code.localeCompare(b.code))
}

// ---------------------------------------------------------------- import

/** The columns `POST /items/import` reads (catalogue/importer.py), in its order. */
export const IMPORT_COLUMNS = [
  'code',
  'name',
  'item_type',
  'department_code',
  'legal_basis',
  'statutory_days',
  'committed_days',
  'fee_amount',
  'fee_basis',
  'online_depth',
  'channels',
  'audience',
  'themes',
  'keywords',
  'description',
  'materials',
] as const

export const LIST_IMPORT_COLUMNS = ['code', 'name', 'category', 'basis', 'content', 'amount'] as const

/** The columns' Chinese names (the item fields' labels): the CSV templates' header row, which the API reads as
 *  well as the keys (as its .xlsx templates; service_management/catalogue/importer.py COLUMN_LABELS). */
export const IMPORT_COLUMN_NAMES = Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, ITEM_FIELD_LABELS[c] ?? c])) as Record<
  (typeof IMPORT_COLUMNS)[number],
  string
>

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  // A byte-order mark, so that Excel opens UTF-8 Chinese correctly; the API reads it too.
  return '\ufeff' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

/** The items' import template: the header row and one example row for the given department. */
export function itemImportTemplate(department = 'amr'): string {
  const example: Record<(typeof IMPORT_COLUMNS)[number], string> = {
    code: `330122-${department.toUpperCase()}-XK-0100`,
    name: '示例：户外广告设置许可',
    item_type: 'licensing',
    department_code: department,
    legal_basis: '《城市市容和环境卫生管理条例》第十一条',
    statutory_days: '20',
    committed_days: '5',
    fee_amount: '',
    fee_basis: '',
    online_depth: 'at_most_one_visit',
    channels: 'online;window',
    audience: 'person;entity',
    themes: '开办餐饮店',
    keywords: '招牌;广告牌',
    description: '收费事项填写收费金额和收费依据；不收费留空',
    materials: 'SQB|申请表|electronic|必需|;XGT|广告设计效果图|copy|可选|',
  }
  return toCsv([IMPORT_COLUMNS.map((c) => IMPORT_COLUMN_NAMES[c]), IMPORT_COLUMNS.map((c) => example[c])])
}

/** The header row names the lists' columns as their entries' labels (lists/service.py IMPORT_COLUMN_LABELS). */
export function listImportTemplate(): string {
  return toCsv([LIST_IMPORT_COLUMNS.map((c) => LIST_ENTRY_LABELS[c] ?? c), ['XK-01', '示例：食品经营许可', '行政许可', '《中华人民共和国食品安全法》第三十五条', '', '']])
}

/** A problem an import found: the API names the row and the column (by the template's Chinese name) in `message`. */
export type ImportProblem = SM['ImportProblem']

export interface ImportProblemRow {
  row: number
  code: string
  column: string
  reason: string
}

/** The rows an import refused, for a table: row number, the row's code, the column, and the API's own Chinese account. */
export function importProblemRows(problems: readonly ImportProblem[]): ImportProblemRow[] {
  return problems.map((p) => ({ row: p.row, code: p.code ?? '', column: p.column ?? '', reason: p.message }))
}

export function isTableFile(name: string): boolean {
  return /\.(csv|xlsx)$/i.test(name)
}

// ---------------------------------------------------------------- who may do what

export interface Actor {
  isAdmin: boolean
  isDepartmentAdmin: boolean
  department: string | null
}

/** Whether the actor acts for the department (the API's check_department). */
export function actsFor(actor: Actor, department: string): boolean {
  return actor.isAdmin || (actor.isDepartmentAdmin && actor.department === department)
}

export type ItemAction = 'edit' | 'publish' | 'retire' | 'newVersion'

/**
 * The actions on an item by the status of its newest version: a draft is edited or published; a
 * published item is changed through a new draft or retired; a retired one may start again as a
 * new draft. None for someone who does not act for the item's department.
 */
export function itemActions(latestStatus: string, department: string, actor: Actor): ItemAction[] {
  if (!actsFor(actor, department)) return []
  if (latestStatus === 'draft') return ['edit', 'publish']
  if (latestStatus === 'published') return ['newVersion', 'retire']
  if (latestStatus === 'retired') return ['newVersion']
  return []
}

export type ListAction = 'newDraft' | 'submit' | 'publish' | 'delete'

/**
 * The actions on a version of a list: a department compiles a new draft from any version, and
 * submits or deletes a draft; only an administrator publishes (a draft or a submitted version).
 */
export function listActions(status: string, department: string, actor: Actor): ListAction[] {
  if (!actsFor(actor, department)) return []
  const actions: ListAction[] = ['newDraft']
  if (status === 'draft') actions.push('submit')
  if (actor.isAdmin && (status === 'draft' || status === 'submitted')) actions.push('publish')
  if (status === 'draft') actions.push('delete')
  return actions
}

/** The newest version and the one in force, from `GET /items/{code}/versions` (oldest first). */
export function versionSummary(versions: readonly ItemVersion[]): { latest: ItemVersion | null; published: ItemVersion | null } {
  const sorted = [...versions].sort((a, b) => a.version - b.version)
  return { latest: sorted.at(-1) ?? null, published: sorted.filter((v) => v.status === 'published').at(-1) ?? null }
}

// ---------------------------------------------------------------- list entries

export interface ListEntryRow {
  code: string
  name: string
  category: string
  basis: string
  content: string
  amount: string
}

export function emptyListEntry(): ListEntryRow {
  return { code: '', name: '', category: '', basis: '', content: '', amount: '' }
}

const LIST_CODE = new RegExp(ListEntry.code.pattern)

/** Entries checked as the API's ListEntry and its duplicate check, errors at `entries.N.field`. */
export function checkListEntries(rows: readonly ListEntryRow[]): Checked<ListEntryValue[]> {
  const errors: Record<string, string> = {}
  const seen = new Set<string>()
  if (!rows.length) errors.entries = '至少填写一条'
  if (rows.length > DraftIn.entries.maxItems) errors.entries = `最多${DraftIn.entries.maxItems}条`
  rows.forEach((r, i) => {
    const at = `entries.${i}`
    const code = r.code.trim()
    if (!LIST_CODE.test(code)) errors[`${at}.code`] = '编码为1至64位字母、数字、点、下划线或连字符'
    else if (seen.has(code)) errors[`${at}.code`] = `编码 ${code} 重复出现`
    seen.add(code)
    if (!r.name.trim()) errors[`${at}.name`] = '请填写名称'
    else if (r.name.trim().length > ListEntry.name.maxLength) errors[`${at}.name`] = `名称最多${ListEntry.name.maxLength}个字`
    if (r.category.trim().length > ListEntry.category.maxLength) errors[`${at}.category`] = `类别最多${ListEntry.category.maxLength}个字`
    if (!r.basis.trim()) errors[`${at}.basis`] = '请填写依据'
    else if (r.basis.trim().length > ListEntry.basis.maxLength) errors[`${at}.basis`] = `依据最多${ListEntry.basis.maxLength}个字`
    if (r.content.trim().length > ListEntry.content.maxLength) errors[`${at}.content`] = `内容最多${ListEntry.content.maxLength}个字`
    if (r.amount.trim().length > ListEntry.amount.maxLength) errors[`${at}.amount`] = `金额/标准最多${ListEntry.amount.maxLength}个字`
  })
  if (Object.keys(errors).length) return { value: null, errors }
  return {
    errors,
    value: rows.map((r) => ({
      code: r.code.trim(),
      name: r.name.trim(),
      category: r.category.trim(),
      basis: r.basis.trim(),
      content: r.content.trim(),
      amount: r.amount.trim() || null,
    })),
  }
}

export function entryRows(entries: readonly ListEntryValue[]): ListEntryRow[] {
  return entries.map((e) => ({ code: e.code, name: e.name, category: e.category ?? '', basis: e.basis, content: e.content ?? '', amount: e.amount ?? '' }))
}

// ---------------------------------------------------------------- the staff listing and retiring

/** The statuses the staff listing filters by (`published`: has a version in force, a newer draft may be pending). */
export const ITEM_LIST_STATUSES = [
  { value: 'all', label: '全部状态' },
  { value: 'published', label: '已发布（含待发布的修改）' },
  { value: 'draft', label: '草稿（新事项或待发布的修改）' },
  { value: 'retired', label: '已停用' },
] as const
export type ItemListStatus = (typeof ITEM_LIST_STATUSES)[number]['value']

export function itemListStatus(value: unknown): ItemListStatus {
  return ITEM_LIST_STATUSES.find((s) => s.value === value)?.value ?? 'all'
}

/** Under the status tag of a listed item: the version in force when the latest one is a pending draft. */
export function entryNote(entry: Pick<ItemEntry, 'version' | 'published_version' | 'draft_pending'>): string {
  if (entry.draft_pending && entry.published_version !== null) return `现行第 ${entry.published_version} 版，第 ${entry.version} 版待发布`
  return ''
}

export const RETIRE_REASON_MAX = RetireIn.reason.maxLength

/** The retirement reason as the API checks it (`RetireIn`): required, not blank, at most RETIRE_REASON_MAX characters; '' when fine. */
export function checkRetireReason(text: string): string {
  const reason = text.trim()
  if (!reason) return '请填写停用原因'
  if ([...reason].length > RETIRE_REASON_MAX) return `停用原因不能超过 ${RETIRE_REASON_MAX} 个字`
  return ''
}
