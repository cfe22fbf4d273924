/** One-window intake (一窗受理): checks on the walk-in applicant and on the materials, without Vue. */
import type { ApplicantType, EntityLookup, ItemMaterial, MaterialRef, PersonLookup, SupplementRequest, WalkInApplicant } from '@/api'
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

/** What is given for one material: an uploaded scan, a licence the applicant holds, or (at the
 * window) the clerk's confirmation that the paper original was seen / the copy received. */
export interface MaterialEntry {
  fileId: string
  fileName: string
  licenseNo: string
  paperReceived?: boolean
}

export function emptyEntry(): MaterialEntry {
  return { fileId: '', fileName: '', licenseNo: '', paperReceived: false }
}

/**
 * Where materials are given, as service-management judges them (cases/materials.py):
 * `online` — an electronic material without a licence type is produced by the filing itself;
 * `window` — nothing is: the signed form is scanned, and a clerk confirms paper originals/copies;
 * `supplement` — the applicant supplies what was asked for anew, as a file or a licence.
 */
export type MaterialChannel = 'online' | 'window' | 'supplement'

export type MaterialState = 'file' | 'license' | 'paper' | 'by-application' | 'missing' | 'optional'

/** A material handed over on paper (an original to be seen, or a copy to be kept). */
export function isPaperForm(material: ItemMaterial): boolean {
  return material.form === 'original' || material.form === 'copy'
}

/**
 * Where a material stands: given as a file, a licence or (at the window) a paper the clerk
 * confirmed; produced by an online application itself (an electronic material without a licence
 * type — the form and the verified identity); or still missing (required) / not given (optional).
 */
export function materialState(material: ItemMaterial, entry: MaterialEntry | undefined, channel: MaterialChannel = 'online'): MaterialState {
  if (entry?.fileId) return 'file'
  if (entry?.licenseNo.trim() && material.license_type) return 'license'
  if (channel === 'window' && entry?.paperReceived && isPaperForm(material)) return 'paper'
  if (channel === 'online' && material.form === 'electronic' && !material.license_type) return 'by-application'
  return material.required ? 'missing' : 'optional'
}

export const MATERIAL_STATE_LABEL: Record<MaterialState, string> = {
  file: '已上传扫描件',
  license: '以电子证照代替',
  paper: '已核验纸质材料',
  'by-application': '随申请表生成',
  missing: '缺少（必需）',
  optional: '未提供（非必需）',
}

/** The references to send: each material with a file, a licence number or (window) the paper confirmed. */
export function materialRefs(materials: readonly ItemMaterial[], entries: Record<string, MaterialEntry>, channel: MaterialChannel = 'online'): MaterialRef[] {
  const refs: MaterialRef[] = []
  for (const material of materials) {
    const entry = entries[material.code]
    if (!entry) continue
    const state = materialState(material, entry, channel)
    if (state === 'file') refs.push({ code: material.code, file_id: entry.fileId })
    else if (state === 'license') refs.push({ code: material.code, license_no: entry.licenseNo.trim() })
    else if (state === 'paper') refs.push({ code: material.code, paper_received: true })
  }
  return refs
}

/** Required materials still missing, for the check before filing or accepting. */
export function missingRequired(materials: readonly ItemMaterial[], entries: Record<string, MaterialEntry>, channel: MaterialChannel = 'online'): ItemMaterial[] {
  return materials.filter((m) => materialState(m, entries[m.code], channel) === 'missing')
}

/** The materials a supplement request asks for, in its order (every material when it is not known). */
export function askedMaterials(materials: readonly ItemMaterial[], request: SupplementRequest | null | undefined): ItemMaterial[] {
  if (!request?.materials.length) return [...materials]
  const byCode = new Map(materials.map((m) => [m.code, m]))
  return request.materials.map((asked) => byCode.get(asked.code) ?? { code: asked.code, name: asked.name, form: 'electronic', required: true, license_type: null, accepted_trust_levels: [], copies: 1, source: 'applicant', note: '' })
}

/** Names of the asked-for materials not yet given anew (a supplement needs every one). */
export function unsuppliedAsked(request: SupplementRequest | null | undefined, materials: readonly ItemMaterial[], entries: Record<string, MaterialEntry>): string[] {
  if (!request) return []
  return askedMaterials(materials, request)
    .filter((m) => !['file', 'license'].includes(materialState(m, entries[m.code], 'supplement')))
    .map((m) => m.name)
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

// ---- looking the walk-in applicant up in the base registries (the clerk's standing grant)

/** The ID number to look up, or the message saying why it cannot be (checked as the API checks it). */
export function lookupNumber(draft: ApplicantDraft): { number: string } | { message: string } {
  const error = checkApplicant({ ...draft, name: draft.name || '-' }).id_number
  return error ? { message: error } : { number: draft.id_number.trim().toUpperCase() }
}

const GENDER: Record<string, string> = { male: '男', female: '女' }
const ENTITY_STATUS: Record<string, string> = { active: '存续', cancelled: '注销', revoked: '吊销' }

export interface RegistryMatch {
  /** the name to put into the applicant's name */
  name: string
  /** what else the registry says, for the clerk to compare with the document shown */
  details: { label: string; value: string }[]
  /** a legal entity no longer in business (注销, 吊销) */
  warning: string | null
}

/** What the registry record found means for the form; null when the registry has no such record. */
export function registryMatch(type: ApplicantType, record: PersonLookup | EntityLookup | null): RegistryMatch | null {
  if (!record) return null
  const rows = (pairs: [string, string | null | undefined][]): { label: string; value: string }[] =>
    pairs.filter((p): p is [string, string] => Boolean(p[1])).map(([label, value]) => ({ label, value }))
  if (type === 'person') {
    const person = record as PersonLookup
    return {
      name: person.name?.trim() ?? '',
      details: rows([
        ['性别', person.gender ? (GENDER[person.gender] ?? person.gender) : null],
        ['出生日期', person.birth_date],
        ['居住地址', person.residence_address],
      ]),
      warning: null,
    }
  }
  const entity = record as EntityLookup
  const status = entity.status ?? 'active'
  return {
    name: entity.name?.trim() ?? '',
    details: rows([
      ['法定代表人', entity.legal_representative],
      ['登记状态', ENTITY_STATUS[status] ?? status],
      ['住所', entity.address],
    ]),
    warning: status === 'active' ? null : `该单位登记状态为“${ENTITY_STATUS[status] ?? status}”，请核实后再收件。`,
  }
}

/** What to tell the clerk when the registry has no record of the number. */
export function notInRegistryMessage(type: ApplicantType): string {
  return type === 'person'
    ? '人口库中没有该居民身份证号码的记录：请核对证件，确认无误后手工录入申请人姓名。'
    : '法人库中没有该统一社会信用代码的记录：请核对营业执照等证件，确认无误后手工录入单位名称。'
}
