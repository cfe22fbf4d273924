/**
 * Application forms generated from a service item's `form_fields`: the initial values, the
 * checks (the same ones service-management's `validate_form` makes) and the payload to file.
 */
import type { FormField, FormFieldType, FormPayload } from '@/api'
import { DIVISION_CODE } from '@/lib/divisions'

/** What a form control holds while the applicant types: text for everything but booleans. */
export type FieldValue = string | boolean

export type FormModel = Record<string, FieldValue>

const INTEGER = /^[+-]?\d+$/
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export function initialModel(fields: readonly FormField[]): FormModel {
  return Object.fromEntries(fields.map((f) => [f.name, f.type === 'boolean' ? false : '']))
}

function isBlank(value: FieldValue | undefined): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '')
}

function validDate(text: string): boolean {
  const match = DATE.exec(text)
  if (!match) return false
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

/** The message for a value that the API would refuse, or null when it is acceptable. */
export function checkValue(field: FormField, value: FieldValue | undefined): string | null {
  if (field.type === 'boolean') return null // a switch always holds true or false
  if (isBlank(value)) return field.required ? `请填写${field.label}` : null
  const text = String(value).trim()
  switch (field.type) {
    case 'integer':
      return INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? null : `${field.label}应为整数`
    case 'number':
      return NUMBER.test(text) && Number.isFinite(Number(text)) ? null : `${field.label}应为数字`
    case 'date':
      return validDate(text) ? null : `${field.label}应为日期（年-月-日）`
    case 'division':
      return DIVISION_CODE.test(text) ? null : `请从列表中选择${field.label}`
    default:
      return null
  }
}

/** Every field's message, for the fields that have one. */
export function checkModel(fields: readonly FormField[], model: FormModel): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const message = checkValue(field, model[field.name])
    if (message) errors[field.name] = message
  }
  return errors
}

/** The form as the API takes it: typed values, blank optional fields left out. */
export function toPayload(fields: readonly FormField[], model: FormModel): FormPayload {
  const payload: FormPayload = {}
  for (const field of fields) {
    const value = model[field.name]
    if (field.type === 'boolean') {
      payload[field.name] = value === true
      continue
    }
    if (isBlank(value)) continue
    const text = String(value).trim()
    payload[field.name] = field.type === 'integer' || field.type === 'number' ? Number(text) : text
  }
  return payload
}

/** How a control of this type is told apart for the user. */
export function inputModeFor(type: FormFieldType): 'text' | 'numeric' | 'decimal' {
  if (type === 'integer') return 'numeric'
  if (type === 'number') return 'decimal'
  return 'text'
}

/** A filed value shown back to a person; a division by its Chinese path when `divisionName` is given. */
export function displayValue(type: FormFieldType | undefined, value: unknown, divisionName?: (code: string) => string): string {
  if (value === undefined || value === null || value === '') return '—'
  if (type === 'boolean' || typeof value === 'boolean') return value ? '是' : '否'
  if (type === 'division' && divisionName) return divisionName(String(value))
  return String(value)
}
