/** One-window intake (一窗受理): checks on the walk-in applicant and on the materials, without Vue. */
import type { ApplicantType, ItemMaterial, MaterialRef, WalkInApplicant } from '@/api'
import { checkResidentId, checkUscc } from '@/lib/identity'

export interface ApplicantDraft {
  type: ApplicantType
  id_number: string
  name: string
}

/** Messages by field (`type`, `id_number`, `name`), as the API would judge the applicant. */
export function checkApplicant(draft: ApplicantDraft): Record<string, string> {
  const errors: Record<string, string> = {}
  const number = draft.id_number.trim().toUpperCase()
  if (!number) errors.id_number = draft.type === 'person' ? '请输入居民身份证号码' : '请输入统一社会信用代码'
  else {
    const checked = draft.type === 'person' ? checkResidentId(number) : checkUscc(number)
    if (!checked.ok) errors.id_number = checked.message
  }
  const name = draft.name.trim()
  if (!name) errors.name = draft.type === 'person' ? '请输入申请人姓名' : '请输入单位名称'
  else if (name.length > 100) errors.name = '名称最多100个字符'
  return errors
}

export function toWalkIn(draft: ApplicantDraft): WalkInApplicant {
  return { type: draft.type, id_number: draft.id_number.trim().toUpperCase(), name: draft.name.trim() }
}

/** What the clerk has for one material: an uploaded scan or a licence the applicant holds. */
export interface MaterialEntry {
  fileId: string
  fileName: string
  licenseNo: string
}

export function emptyEntry(): MaterialEntry {
  return { fileId: '', fileName: '', licenseNo: '' }
}

export type MaterialState = 'file' | 'license' | 'by-application' | 'missing' | 'optional'

/**
 * Where a material stands: given as a file or a licence; produced by the application itself
 * (an electronic material without a licence type — the form and the verified identity); or
 * still missing (required) / not given (optional).
 */
export function materialState(material: ItemMaterial, entry: MaterialEntry | undefined): MaterialState {
  if (entry?.fileId) return 'file'
  if (entry?.licenseNo.trim() && material.license_type) return 'license'
  if (material.form === 'electronic' && !material.license_type) return 'by-application'
  return material.required ? 'missing' : 'optional'
}

export const MATERIAL_STATE_LABEL: Record<MaterialState, string> = {
  file: '已上传扫描件',
  license: '以电子证照代替',
  'by-application': '随申请表生成',
  missing: '缺少（必需）',
  optional: '未提供（非必需）',
}

/** The references to send: each material with a file or a licence number. */
export function materialRefs(materials: readonly ItemMaterial[], entries: Record<string, MaterialEntry>): MaterialRef[] {
  const refs: MaterialRef[] = []
  for (const material of materials) {
    const entry = entries[material.code]
    if (!entry) continue
    if (entry.fileId) refs.push({ code: material.code, file_id: entry.fileId })
    else if (entry.licenseNo.trim() && material.license_type) refs.push({ code: material.code, license_no: entry.licenseNo.trim() })
  }
  return refs
}

/** Required materials still missing, for the clerk's check before filing. */
export function missingRequired(materials: readonly ItemMaterial[], entries: Record<string, MaterialEntry>): ItemMaterial[] {
  return materials.filter((m) => materialState(m, entries[m.code]) === 'missing')
}

/** Maps an API error path such as `materials[1].file_id` to the material's code. */
export function materialCodeOfPath(path: string, sent: readonly MaterialRef[]): string | null {
  const match = /^materials\[(\d+)\]/.exec(path)
  if (!match) return null
  return sent[Number(match[1])]?.code ?? null
}

const ACCEPTED_TYPES = ['application/pdf', 'image/jpeg', 'image/png']
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024

/** A check before uploading; the API judges the bytes again. */
export function checkUploadFile(file: { type: string; size: number; name: string }): string | null {
  const byName = /\.(pdf|jpe?g|png)$/i.test(file.name)
  if (!ACCEPTED_TYPES.includes(file.type) && !byName) return '仅支持 PDF、JPG、PNG 格式的文件'
  if (file.size === 0) return '文件是空的'
  if (file.size > MAX_UPLOAD_BYTES) return '文件不能超过 10 MB'
  return null
}
