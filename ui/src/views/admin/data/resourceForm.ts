/**
 * Registering and editing a resource of the data catalogue (数据资源目录): the labels people read,
 * the checks data-sharing makes (`catalogue/schemas.py::ResourceIn`, `ResourcePatch`), made
 * before sending, and its refusals in Chinese.
 */
import { ApiError, isApiError, type DataResourceIn, type SharingType, type UpdateFrequency } from '@/api'

export const SHARING_TYPES: { value: SharingType; label: string; hint: string }[] = [
  { value: 'unconditional', label: '无条件共享', hint: '接入应用申请后即获授权' },
  { value: 'conditional', label: '有条件共享', hint: '由所属部门审批共享申请' },
  { value: 'not_shared', label: '不予共享', hint: '不向其他部门和应用提供' },
]

export const FREQUENCIES: { value: UpdateFrequency; label: string }[] = [
  { value: 'realtime', label: '实时' },
  { value: 'daily', label: '每日' },
  { value: 'weekly', label: '每周' },
  { value: 'monthly', label: '每月' },
  { value: 'quarterly', label: '每季度' },
  { value: 'yearly', label: '每年' },
  { value: 'irregular', label: '不定期' },
]

export function sharingTypeLabel(value: string): string {
  return SHARING_TYPES.find((s) => s.value === value)?.label ?? value
}

export function frequencyLabel(value: string): string {
  return FREQUENCIES.find((f) => f.value === value)?.label ?? value
}

export function sharingTypeTag(value: string): 'success' | 'warning' | 'info' {
  return value === 'unconditional' ? 'success' : value === 'conditional' ? 'warning' : 'info'
}

export const CODE_PATTERN = /^[a-z][a-z0-9-]{1,63}$/
export const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/
export const DEPARTMENT_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/

export interface FieldRow {
  name: string
  label: string
}

export interface ResourceDraft {
  code: string
  name: string
  description: string
  owner_department: string
  fields: FieldRow[]
  sharing_type: SharingType | ''
  update_frequency: UpdateFrequency | ''
  personal: boolean
}

export function emptyDraft(owner = ''): ResourceDraft {
  return { code: '', name: '', description: '', owner_department: owner, fields: [{ name: '', label: '' }], sharing_type: '', update_frequency: '', personal: false }
}

/** The labels of the form's fields, as error messages name them. */
export const LABELS: Record<string, string> = {
  code: '资源代码',
  name: '资源名称',
  description: '资源说明',
  owner_department: '所属部门',
  fields: '数据项',
  sharing_type: '共享类型',
  update_frequency: '更新频率',
  personal: '含个人信息',
}

/** The body data-sharing accepts (text trimmed as it trims it), or errors by the API's field paths. */
export function checkDraft(draft: ResourceDraft): { errors: Record<string, string>; body: DataResourceIn | null } {
  const errors: Record<string, string> = {}
  const code = draft.code.trim()
  const name = draft.name.trim()
  const description = draft.description.trim()
  const owner = draft.owner_department.trim()
  if (!code) errors.code = '请填写资源代码'
  else if (!CODE_PATTERN.test(code)) errors.code = '资源代码为2至64位小写字母、数字或连字符，以字母开头'
  if (!name) errors.name = '请填写资源名称'
  else if (name.length > 100) errors.name = '资源名称最多100个字符'
  if (description.length > 2000) errors.description = '资源说明最多2000个字符'
  if (!owner) errors.owner_department = '请选择所属部门'
  else if (!DEPARTMENT_PATTERN.test(owner)) errors.owner_department = '部门代码为小写字母、数字、下划线或连字符'
  const fields = draft.fields.map((f) => ({ name: f.name.trim(), label: f.label.trim() }))
  if (!fields.length) errors.fields = '请至少登记一个数据项'
  else if (fields.length > 200) errors.fields = '数据项最多200个'
  const seen = new Set<string>()
  fields.forEach((f, i) => {
    if (!f.name) errors[`fields.${i}.name`] = '请填写字段名'
    else if (!FIELD_NAME_PATTERN.test(f.name)) errors[`fields.${i}.name`] = '字段名为小写字母、数字或下划线，以字母开头，最多64位'
    else if (seen.has(f.name)) errors[`fields.${i}.name`] = '字段名不能重复'
    seen.add(f.name)
    if (!f.label) errors[`fields.${i}.label`] = '请填写中文名称'
    else if (f.label.length > 100) errors[`fields.${i}.label`] = '中文名称最多100个字符'
  })
  if (!draft.sharing_type) errors.sharing_type = '请选择共享类型'
  if (!draft.update_frequency) errors.update_frequency = '请选择更新频率'
  if (Object.keys(errors).length) return { errors, body: null }
  return {
    errors,
    body: {
      code,
      name,
      description,
      owner_department: owner,
      fields,
      sharing_type: draft.sharing_type as SharingType,
      update_frequency: draft.update_frequency as UpdateFrequency,
      personal: draft.personal,
    },
  }
}

/** The form's field paths for `mapProblem` (each data item's name and label included). */
export function formPaths(fieldCount: number): string[] {
  const paths = ['code', 'name', 'description', 'owner_department', 'fields', 'sharing_type', 'update_frequency', 'personal']
  for (let i = 0; i < fieldCount; i++) paths.push(`fields.${i}.name`, `fields.${i}.label`)
  return paths
}

export function pathLabels(fieldCount: number): Record<string, string> {
  const labels = { ...LABELS }
  for (let i = 0; i < fieldCount; i++) {
    labels[`fields.${i}.name`] = `第${i + 1}个数据项的字段名`
    labels[`fields.${i}.label`] = `第${i + 1}个数据项的中文名称`
  }
  return labels
}

/** data-sharing's own messages about resources, in Chinese. */
const MESSAGES: [RegExp, string][] = [
  [/^resource \S+ is already registered/, '该资源代码已被登记，请换一个代码'],
  [/^field names must be unique/, '字段名不能重复'],
  [/^only the admin or a department admin of \S+ (registers its resources|may do this)/, '只有管理员或资源所属部门的部门管理员可以登记、修改该资源'],
  [/^resource \S+ is not in the data catalogue/, '数据目录中没有该资源'],
]

function translate(message: string): string {
  return MESSAGES.find(([pattern]) => pattern.test(message.trim()))?.[1] ?? message
}

/** The error with data-sharing's messages translated, for `mapProblem` to place by field. */
export function translateResourceProblem(error: unknown): unknown {
  if (!isApiError(error)) return error
  const problem = error.problem
  return new ApiError({
    ...problem,
    detail: problem.detail ? translate(problem.detail) : problem.detail,
    errors: problem.errors?.map((e) => ({ ...e, message: translate(String(e.message ?? '')) })),
  })
}
