import { describe, expect, it } from 'vitest'
import type { FormField } from '@/api'
import { checkModel, checkValue, displayValue, initialModel, toPayload } from '@/lib/formFields'

// The form of 个体工商户设立登记 as the catalogue defines it, plus one field of every other type.
const fields: FormField[] = [
  { name: 'business_name', label: '个体工商户名称', type: 'string', required: true, prefill: null },
  { name: 'business_scope', label: '经营范围', type: 'text', required: true, prefill: null },
  { name: 'capital', label: '资金数额（万元）', type: 'number', required: true, prefill: null },
  { name: 'residence_months', label: '已居住时长（月）', type: 'integer', required: true, prefill: null },
  { name: 'start_date', label: '入职日期', type: 'date', required: false, prefill: null },
  { name: 'employer', label: '就业单位', type: 'string', required: false, prefill: null },
  { name: 'agreed', label: '同意承诺', type: 'boolean', required: true, prefill: null },
]

describe('the form generated from form_fields', () => {
  it('starts empty, with switches off', () => {
    expect(initialModel(fields)).toEqual({
      business_name: '',
      business_scope: '',
      capital: '',
      residence_months: '',
      start_date: '',
      employer: '',
      agreed: false,
    })
  })

  it('asks for every required field, as the API would', () => {
    expect(checkModel(fields, initialModel(fields))).toEqual({
      business_name: '请填写个体工商户名称',
      business_scope: '请填写经营范围',
      capital: '请填写资金数额（万元）',
      residence_months: '请填写已居住时长（月）',
    })
  })

  it('treats blanks as missing', () => {
    expect(checkValue(fields[0]!, '   ')).toBe('请填写个体工商户名称')
    expect(checkValue(fields[5]!, '  ')).toBeNull()
  })

  it.each([
    ['5', null],
    ['5.5', null],
    ['-1', null],
    ['1e3', null],
    ['五万', '资金数额（万元）应为数字'],
    ['5万', '资金数额（万元）应为数字'],
    ['Infinity', '资金数额（万元）应为数字'],
  ])('checks a number: %s', (value, message) => {
    expect(checkValue(fields[2]!, value)).toBe(message)
  })

  it.each([
    ['6', null],
    ['+6', null],
    ['6.5', '已居住时长（月）应为整数'],
    ['六', '已居住时长（月）应为整数'],
    ['99999999999999999999', '已居住时长（月）应为整数'],
  ])('checks an integer: %s', (value, message) => {
    expect(checkValue(fields[3]!, value)).toBe(message)
  })

  it.each([
    ['2026-02-28', null],
    ['2024-02-29', null],
    ['2026-02-30', '入职日期应为日期（年-月-日）'],
    ['2026/02/01', '入职日期应为日期（年-月-日）'],
  ])('checks a date: %s', (value, message) => {
    expect(checkValue(fields[4]!, value)).toBe(message)
  })

  it('files typed values and leaves blank optional fields out', () => {
    const model = {
      ...initialModel(fields),
      business_name: ' 张三小吃店 ',
      business_scope: '小吃',
      capital: '5.5',
      residence_months: '12',
      start_date: '2026-01-05',
      agreed: true,
    }
    expect(checkModel(fields, model)).toEqual({})
    expect(toPayload(fields, model)).toEqual({
      business_name: '张三小吃店',
      business_scope: '小吃',
      capital: 5.5,
      residence_months: 12,
      start_date: '2026-01-05',
      agreed: true,
    })
  })

  it('shows filed values back in Chinese', () => {
    expect(displayValue('boolean', true)).toBe('是')
    expect(displayValue('boolean', false)).toBe('否')
    expect(displayValue('number', 5)).toBe('5')
    expect(displayValue(undefined, null)).toBe('—')
  })
})
