/** What a person reads for the API's codes. Unknown codes are shown as they are. */

function lookup(table: Record<string, string>, code: string | null | undefined): string {
  if (!code) return ''
  return table[code] ?? code
}

const CASE_STATUS: Record<string, string> = {
  submitted: '已提交',
  supplement_requested: '待补正',
  accepted: '已受理',
  dispatched: '审查中',
  approved: '已准予',
  denied: '不予许可',
  rejected: '不予受理',
  concluded: '已办结',
}

const CASE_STEP: Record<string, string> = {
  submitted: '提交申请',
  supplement_requested: '一次性告知补正',
  accepted: '受理',
  dispatched: '分办至实施部门',
  approved: '准予许可',
  denied: '不予许可',
  rejected: '不予受理',
  concluded: '办结',
}

export const TERMINAL_CASE_STATUSES = new Set(['concluded', 'denied', 'rejected'])

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export function caseStatusLabel(status: string): string {
  return lookup(CASE_STATUS, status)
}

export function caseStepLabel(status: string): string {
  return lookup(CASE_STEP, status)
}

export function caseStatusTag(status: string): TagType {
  if (status === 'concluded' || status === 'approved') return 'success'
  if (status === 'denied' || status === 'rejected') return 'danger'
  return 'primary'
}

const BUNDLE_STATUS: Record<string, string> = { in_progress: '办理中', concluded: '全部办结', some_denied: '部分未获准予' }

/** A bundle application's overall status (`overall_status`), derived from its branches. */
export function bundleStatusLabel(status: string): string {
  return lookup(BUNDLE_STATUS, status)
}

export function bundleStatusTag(status: string): TagType {
  if (status === 'concluded') return 'success'
  if (status === 'some_denied') return 'danger'
  return 'primary'
}

const WORK_STATUS: Record<string, string> = { pending: '待审批', approved: '已准予', denied: '不予许可' }

export function workStatusLabel(status: string): string {
  return lookup(WORK_STATUS, status)
}

export const ITEM_TYPE: Record<string, string> = {
  licensing: '行政许可',
  benefit: '行政给付',
  confirmation: '行政确认',
  levy: '行政征收',
  adjudication: '行政裁决',
  award: '行政奖励',
  other_power: '其他行政权力',
  public_service: '公共服务',
}

export function itemTypeLabel(type: string): string {
  return lookup(ITEM_TYPE, type)
}

const AUDIENCE: Record<string, string> = { person: '自然人', entity: '法人' }

export function audienceLabel(audience: readonly string[]): string {
  return audience.map((a) => lookup(AUDIENCE, a)).join('、')
}

const ACCOUNT_TYPE: Record<string, string> = { person: '个人', entity: '法人', staff: '工作人员' }

export function accountTypeLabel(type: string): string {
  return lookup(ACCOUNT_TYPE, type)
}

const ROLE: Record<string, string> = {
  admin: '管理员',
  clerk: '窗口人员',
  reviewer: '审批人员',
  department_admin: '部门管理员',
  handler: '承办人员',
  approver: '批准人员',
}

export function roleLabel(role: string): string {
  return lookup(ROLE, role)
}

const LICENSE_STATUS: Record<string, string> = { valid: '有效', revoked: '已吊销', cancelled: '已注销', expired: '已过期' }

export function licenseStatusLabel(status: string): string {
  return lookup(LICENSE_STATUS, status)
}

const CHANNEL: Record<string, string> = { online: '网上申请', window: '窗口申请' }

export function channelLabel(channel: string): string {
  return lookup(CHANNEL, channel)
}

const ACTOR: Record<string, string> = { system: '系统', 'instant approval': '秒批（自动审批）', department: '实施部门' }

export function actorLabel(actor: string): string {
  return lookup(ACTOR, actor)
}

/** Timeline notes written by service-management, in Chinese; others are shown as written. */
export function timelineNote(note: string | null, departmentName: (code: string) => string): string {
  if (!note) return ''
  const known: Record<string, string> = {
    'online application': '网上申请',
    'window application': '窗口申请',
    'online pre-check passed': '网上预审通过',
    // Part A: the other notes service-management writes
    'materials supplemented': '已补正材料',
    'approval implied by the issued licence': '电子证照已签发，视为准予',
  }
  if (known[note]) return known[note]
  const taken = /^window application taken by (.+)$/.exec(note)
  if (taken) return `窗口收件（${taken[1]}）`
  const dispatched = /^dispatched to (\S+)$/.exec(note)
  if (dispatched) return `已分办至${departmentName(dispatched[1]!)}`
  const licence = /^licen[cs]e (\S+)$/.exec(note)
  if (licence) return `已签发电子证照 ${licence[1]}`
  return note
}

/** Labels of the applicant facts a decision table may use (`applicant.*`). */
const APPLICANT_FACT: Record<string, string> = { age: '申请人年龄', type: '申请人类型' }

export function ruleFieldLabel(path: string, formLabels: Record<string, string>): string {
  const [scope, ...rest] = path.split('.')
  const name = rest.join('.')
  if (scope === 'form') return formLabels[name] ?? name
  if (scope === 'applicant') return APPLICANT_FACT[name] ?? name
  return path
}

const MATERIAL_FORM: Record<string, string> = { electronic: '电子件', original: '原件', copy: '复印件' }

export function materialFormLabel(form: string): string {
  return lookup(MATERIAL_FORM, form)
}

const ALERT_KIND: Record<string, string> = { yellow: '黄牌预警', red: '红牌超时', state_overdue: '环节超时' }

export function alertKindLabel(kind: string): string {
  return lookup(ALERT_KIND, kind)
}

export function alertKindTag(kind: string): TagType {
  return kind === 'yellow' ? 'warning' : 'danger'
}

const DATA_RESOURCE: Record<string, string> = {
  population: '人口库',
  'legal-entities': '法人库',
  legal_entity: '法人库',
  licenses: '电子证照库',
  credit: '社会信用信息库',
}

export function dataResourceLabel(resource: string): string {
  const [head] = resource.split('/')
  return lookup(DATA_RESOURCE, head ?? resource)
}

const READER_KIND: Record<string, string> = {
  person: '个人',
  entity: '法人',
  staff: '工作人员',
  service: '政务系统',
  client: '接入应用',
  anonymous: '公众查验',
}

export function readerKindLabel(kind: string): string {
  return lookup(READER_KIND, kind)
}

const DATA_OUTCOME: Record<string, string> = { allowed: '已读取', refused: '已拒绝' }

export function dataOutcomeLabel(outcome: string): string {
  return lookup(DATA_OUTCOME, outcome)
}

const PURPOSE: Record<string, string> = { prefill: '申报表自动填写', intake: '窗口受理', review: '审批审查', dispatch: '分办审查' }

export function purposeLabel(purpose: string): string {
  return lookup(PURPOSE, purpose)
}

const DATA_FIELD: Record<string, string> = {
  subject: '主体',
  black_listed: '是否失信',
  red_listed: '是否守信激励',
  records: '信用记录',
  license_type: '证照类型',
  status: '状态',
  valid_until: '有效期',
  trust_level: '可信等级',
  name: '姓名/名称',
  gender: '性别',
  birth_date: '出生日期',
  residence_address: '居住地址',
  household_division_code: '户籍地',
  id_number: '证件号码',
  address: '住所',
  business_scope: '经营范围',
  legal_representative: '法定代表人',
}

export function dataFieldsLabel(fields: readonly string[]): string {
  return fields.map((f) => lookup(DATA_FIELD, f)).join('、')
}

const CLIENT_NAME: Record<string, string> = {
  'service-management': '政务服务管理平台',
  'business-systems': '部门业务系统',
  'portal-gateway': '政务服务门户',
  'data-sharing': '数据共享平台',
}

export function readerNameLabel(name: string): string {
  return lookup(CLIENT_NAME, name)
}
