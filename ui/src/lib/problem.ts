/**
 * Problem details (RFC 9457) from the API, turned into what a person reads: a message next to
 * each field the API names, in Chinese, and a sentence for the rest.
 *
 * The services answer in Chinese (their own messages, and pydantic's worded by its error type in
 * gov_common.validation_text), naming a field by its path where they know no label: the form's own
 * label takes the path's place. The English rules below are for answers of older services.
 */
import { isApiError, type Problem } from '@/api'

export interface MappedProblem {
  /** Field name (without the prefix) -> message, for fields the form shows. */
  fields: Record<string, string>
  /** Messages that belong to no field the form shows. */
  general: string[]
  /** One sentence for a message box. */
  summary: string
}

export interface MapOptions {
  /** The part of the API's field path before the form's own names, e.g. `form.` for a case form. */
  prefix?: string
  /** The fields the form shows; errors for other fields become general messages. */
  fields?: readonly string[]
  /** Field name -> its Chinese label, used in messages that need it. */
  labels?: Record<string, string>
}

const HAS_CJK = /[\u3400-\u9fff]/
/** Three English words in a row: a sentence of an older service, not an identifier in a Chinese one. */
const ENGLISH_SENTENCE = /[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]+){2,}/

type Rule = [RegExp, (match: RegExpMatchArray, label: string | undefined) => string]

const RULES: Rule[] = [
  // accounts (portal-gateway)
  [/^not a valid resident identity number/i, () => '居民身份证号码无效，请核对地区码、出生日期和校验位'],
  [/^a resident identity number has 18 characters/i, () => '居民身份证号码应为18位'],
  [/^not a valid unified social credit code/i, () => '统一社会信用代码无效，请核对校验码'],
  [/^a natural person registers with a resident identity number/i, () => '请输入居民身份证号码'],
  [/^a legal person registers with a unified social credit code/i, () => '请输入统一社会信用代码'],
  [/^an account with this identity number already exists/i, () => '该证件号码已注册，请直接登录'],
  [/^wrong user name or password/i, () => '用户名或密码错误'],
  [/^demo accounts are disabled/i, () => '本系统已停用演示账号'],
  [
    /^too many failed log-ins from this (account|address); try again in (\d+) seconds/i,
    (m) => {
      const seconds = Number(m[2])
      const when = seconds < 60 ? `${Math.max(1, seconds)} 秒` : `${Math.ceil(seconds / 60)} 分钟`
      return m[1] === 'account'
        ? `该账号登录失败次数过多，请 ${when}后再试；在您曾成功登录的设备上登录不受影响`
        : `您所在的网络登录失败次数过多，请 ${when}后再试`
    },
  ],
  // case forms (service-management: catalogue.validate_form)
  [/^(.+) is required$/, (m) => `请填写${m[1]}`],
  [/^(.+) must be a whole number$/, (m) => `${m[1]}应为整数`],
  [/^(.+) must be a number$/, (m) => `${m[1]}应为数字`],
  [/^(.+) must be text$/, (m) => `${m[1]}应为文字`],
  [/^(.+) must be true or false$/, (m) => `${m[1]}应为“是”或“否”`],
  [/^(.+) must be a date as YYYY-MM-DD$/, (m) => `${m[1]}应为日期（年-月-日）`],
  [/^the item has no field named (.+)$/, (m) => `事项没有“${m[1]}”这一填写项`],
  [/^service item (\S+) does not exist or is not published/, (m) => `事项 ${m[1]} 不存在或尚未发布`],
  // lookups and decisions
  [/^case (\S+) not found/, (m) => `未找到办件 ${m[1]}`],
  [/^case (\S+) is already (\w+)/, () => '该办件已作出决定，不能重复办理'],
  [/^licen[cs]e (\S+) (does not exist|not found)/, (m) => `未找到证照 ${m[1]}`],
  [/^only a department's reviewer may do this/, () => '仅部门审批人员可以办理'],
  [/is unavailable; try again shortly$/, () => '服务暂时不可用，请稍后重试'],
  [/^no business system is configured for department/, () => '该部门的业务系统尚未接入'],
  // materials and intake (service-management)
  [/^the licen[cs]e cannot stand for this material: no such licen[cs]e/i, () => '该电子证照不存在，不能代替本项材料'],
  [/^the licen[cs]e cannot stand for this material: (.+)$/i, (m) => `该电子证照不能代替本项材料（${m[1]}）`],
  [/^material (\S+) cannot be replaced by a licen[cs]e/i, () => '本项材料不能以电子证照代替'],
  [/^no such upload of yours/i, () => '未找到上传的文件，请重新上传'],
  [/^give either file_id/i, () => '请上传文件或填写电子证照编号（二选一）'],
  [/^the item asks for no material (\S+)/, (m) => `本事项没有材料 ${m[1]}`],
  [/^required materials are missing: (.+)$/, (m) => `缺少必需材料：${m[1]}`],
  [/^still missing: (.+)$/, (m) => `仍缺少材料：${m[1]}`],
  [/^case (\S+) is not waiting for intake/, () => '该办件已不在待受理状态'],
  [/^case (\S+) waits for the applicant's supplement/, () => '该办件正在等待申请人补正'],
  [/^case (\S+) already waits for a supplement/, () => '该办件已告知补正，正在等待补正材料'],
  [/^case (\S+) is not waiting for a supplement/, () => '该办件不在待补正状态'],
  [/^only a window clerk may do this/, () => '仅窗口人员可以办理'],
  [/^only applicants and window clerks upload materials/, () => '仅申请人和窗口人员可以上传材料'],
  [/^the period ends before it starts/, () => '截止日期不能早于起始日期'],
  [/^only (department admins and administrators|administrators and department admins) see/, () => '仅管理员和部门管理员可以查看'],
  [/^element (\S+) is not allowed in a case process/, (m) => `流程中不允许使用 ${m[1]} 元素`],
  [/^the process has no userTask '?([^']+)'?/, (m) => `流程中没有用户任务 ${m[1]}`],
  [/^a time limit is 0 to 365 working days/, () => '时限应为0至365之间的整数（工作日）'],
  [/^not a usable decision table: (.+)$/, (m) => `决策表不可用（${m[1]}）`],
  // pydantic's own messages (422 for a malformed payload)
  [/^Field required$/, (_m, label) => (label ? `请填写${label}` : '此项为必填项')],
  [/^String should have at least (\d+) characters?$/, (m, label) => `${label ?? ''}至少需要${m[1]}个字符`],
  [/^String should have at most (\d+) characters?$/, (m, label) => `${label ?? ''}最多${m[1]}个字符`],
  [/^String should match pattern/, (_m, label) => `${label ?? ''}格式不正确`],
  [/^Input should be a valid (integer|number)/, (_m, label) => `${label ?? ''}应为数字`],
  [/^Input should be a valid string/, (_m, label) => `${label ?? ''}应为文字`],
  [/^Input should be /, (_m, label) => `${label ?? ''}取值不正确`],
  [/^Extra inputs are not permitted$/, () => '包含不允许的填写项'],
]

const SUMMARIES: Record<number, string> = {
  0: '无法连接服务器，请检查网络后重试',
  400: '请求格式有误',
  401: '登录已失效，请重新登录',
  403: '您没有权限进行此操作',
  404: '未找到相关信息',
  409: '操作与当前状态冲突',
  422: '填写的信息有误，请按提示修改',
  429: '操作过于频繁，请稍后再试',
  503: '服务暂时不可用，请稍后重试',
}

export function statusSummary(status: number): string {
  return SUMMARIES[status] ?? (status >= 500 ? '系统繁忙，请稍后重试' : '请求未能完成')
}

/** The API's Chinese message with the form's label for the field path it opens with (“form.capital”应为数字). */
function withLabel(message: string, label: string | undefined): string {
  if (!label) return message
  return message.replace(/^“[\w.[\]-]+”/, label).replace(/^[\u3400-\u9fff]+（[\w.[\]-]+）/, label)
}

/** A message from the API in Chinese; undefined when it is not one we know. */
export function translateMessage(message: string, label?: string): string | undefined {
  const text = message.trim()
  if (HAS_CJK.test(text) && !ENGLISH_SENTENCE.test(text)) return withLabel(text, label)
  for (const [pattern, render] of RULES) {
    const match = text.match(pattern)
    if (match) return render(match, label)
  }
  return undefined
}

/** Part A: errors the API names by a stable `code` whose Chinese needs nothing from the message. */
const CODES: Record<string, string> = {
  paper_not_for_electronic: '本项为电子材料，请扫描上传或填写电子证照编号',
  paper_clerk_only: '纸质材料须由窗口人员核验确认',
  material_one_of: '请上传文件、填写电子证照编号或（在窗口）确认纸质材料，三者选一',
  material_unknown: '本事项没有这项材料',
  upload_not_found: '未找到上传的文件，请重新上传',
  material_not_licensable: '本项材料不能以电子证照代替',
  case_already_rated: '您已评价过本办件，每件只能评价一次',
  case_not_ended: '办件尚未办结，办结后才能评价',
  case_not_in_intake: '该办件已不在待受理状态',
  case_awaits_supplement: '该办件正在等待补正材料',
  case_not_awaiting_supplement: '该办件不在待补正状态',
  case_not_found: '未找到该办件',
  item_not_found: '事项不存在或尚未发布',
  item_channel_not_offered: '本事项未开通该办理渠道',
  item_not_for_applicant_type: '本事项不面向该类申请人',
  field_not_granted: '超出授权范围的字段',
  resident_id_invalid: '居民身份证号码无效，请核对地区码、出生日期和校验位',
  resident_id_length: '居民身份证号码应为18位',
  uscc_invalid: '统一社会信用代码无效，请核对校验码',
  search_empty: '请输入有效的查询内容',
  // identity (docs/identity.md)
  identity_mismatch: '姓名与身份证号码不一致：与人口库登记的信息不符，请核对后重新填写',
  assurance_level_required: '您的实名认证等级不足，请先提升认证等级',
  no_registry_phone: '人口库中没有您的手机号码，无法通过短信核验，请到政务服务窗口现场核验或使用统一身份认证',
  code_invalid: '验证码不正确，请核对短信后重新输入',
  code_expired: '验证码已失效，请重新获取',
  totp_required: '请输入动态验证码',
  totp_invalid: '动态验证码不正确，请重新输入',
  totp_enrolment_required: '工作账号须先绑定动态验证码',
  account_not_found: '该申请人尚未注册网上账号',
  token_revoked: '登录已失效，请重新登录',
  entity_opened_by_representative: '法人账号由法定代表人开通：请法定代表人先以个人身份注册并登录，完成手机核验（L2）后为单位开通',
  assurance_already_reached: '您的实名认证等级已达到要求，无需再次核验',
  account_name_differs: '该证件号码下的网上账号登记的是其他姓名，可能被他人冒用注册，请使用“找回被冒用账号”',
  not_a_person: '仅能为个人申请人办理，法人请由其法定代表人办理',
}

/** The Chinese for an error code the API gives, when it says everything on its own. */
export function translateCode(code: string | undefined): string | undefined {
  return code ? CODES[code] : undefined
}

/** `请 2 分钟后再试` / `请 45 秒后再试` for a Retry-After in seconds. */
export function waitText(seconds: number | null | undefined): string {
  if (!seconds || seconds <= 0) return '请稍后再试'
  if (seconds < 60) return `请 ${Math.ceil(seconds)} 秒后再试`
  return `请 ${Math.ceil(seconds / 60)} 分钟后再试`
}

function readable(message: string, status: number, label?: string, code?: string): string {
  return translateCode(code) ?? translateMessage(message, label) ?? `${statusSummary(status)}（${message}）`
}

/** Maps a thrown error onto a form: messages next to the fields it names, the rest in `general`. */
export function mapProblem(error: unknown, options: MapOptions = {}): MappedProblem {
  if (!isApiError(error)) {
    const text = error instanceof Error ? error.message : String(error)
    return { fields: {}, general: [`页面出错：${text}`], summary: `页面出错：${text}` }
  }
  const problem: Problem = error.problem
  const prefix = options.prefix ?? ''
  const fields: Record<string, string> = {}
  const general: string[] = []
  for (const entry of problem.errors ?? []) {
    const path = String(entry.field ?? '')
    const name = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path
    const shown = options.fields ? options.fields.includes(name) : name !== '' && name !== 'body'
    const label = options.labels?.[name]
    const message = readable(String(entry.message ?? ''), problem.status, label, entry.code)
    if (shown && !(name in fields)) fields[name] = message
    else if (!shown) general.push(label || !name || name === 'body' ? message : `${message}（${name}）`)
  }
  if (!problem.errors?.length) {
    const byCode = translateCode(typeof problem.code === 'string' ? problem.code : undefined)
    if (byCode) general.push(byCode)
    else if (problem.detail) general.push(translateMessage(problem.detail) ?? statusSummary(problem.status))
  }
  // Throttled: say how long to wait (Retry-After) instead of "later".
  if (problem.status === 429) {
    const generic = statusSummary(429)
    const index = general.indexOf(generic)
    const specific = `操作过于频繁，${waitText(error.retryAfter)}`
    if (index >= 0) general[index] = specific
    else if (!general.length) general.push(specific)
  }
  if (!general.length && !Object.keys(fields).length) general.push(statusSummary(problem.status))
  const summary = Object.keys(fields).length ? statusSummary(problem.status) : (general[0] ?? statusSummary(problem.status))
  return { fields, general, summary }
}

/** One Chinese sentence for an error shown outside a form (a failed load, a failed action). */
export function describeError(error: unknown): string {
  return mapProblem(error).summary
}
