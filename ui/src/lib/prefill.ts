/** Prefill from shared data (信息多跑路): the applicant's own registry record and held licences. */
import type { FormField, Prefill } from '@/api'
import type { FieldValue, FormModel } from '@/lib/formFields'

/** Fills the empty fields the prefill has a value for; says which ones it filled. */
export function applyPrefill(fields: readonly FormField[], model: FormModel, prefill: Prefill): { model: FormModel; filled: string[] } {
  const next: FormModel = { ...model }
  const filled: string[] = []
  for (const field of fields) {
    const value = prefill.form[field.name]
    if (value === undefined || value === null || value === '') continue
    const current = next[field.name]
    if (current !== undefined && current !== '' && current !== false) continue
    next[field.name] = (field.type === 'boolean' ? value === true : String(value)) as FieldValue
    filled.push(field.name)
  }
  return { model: next, filled }
}

/** Material code -> the number of a held licence that stands for it. */
export function prefillLicences(prefill: Prefill): Record<string, string> {
  return Object.fromEntries(prefill.materials.filter((m) => m.satisfied_by).map((m) => [m.code, m.satisfied_by!]))
}
