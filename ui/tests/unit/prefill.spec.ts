import { describe, expect, it } from 'vitest'
import type { FormField } from '@/api'
import { dataFieldsLabel, readerNameLabel } from '@/lib/labels'
import { applyPrefill, prefillLicences } from '@/lib/prefill'

const FIELDS: FormField[] = [
  { name: 'residence_address', label: '居住地址', type: 'string', required: true, prefill: null },
  { name: 'months', label: '已居住时长（月）', type: 'integer', required: true, prefill: null },
  { name: 'employer', label: '就业单位', type: 'string', required: false, prefill: null },
]

describe('prefill from shared data', () => {
  it('fills only empty fields, and says which', () => {
    const result = applyPrefill(FIELDS, { residence_address: '', months: '', employer: '自填单位' }, {
      form: { residence_address: '桐庐县城南街道', employer: '共享单位', unknown: 'x' },
      materials: [],
    })
    expect(result.model).toEqual({ residence_address: '桐庐县城南街道', months: '', employer: '自填单位' })
    expect(result.filled).toEqual(['residence_address'])
  })

  it('lists the held licences that stand for materials', () => {
    expect(prefillLicences({ form: {}, materials: [{ code: 'YYZZ', satisfied_by: 'AMR-1' }, { code: 'SQS', satisfied_by: null }] })).toEqual({ YYZZ: 'AMR-1' })
  })

  it('names data fields and readers in Chinese', () => {
    expect(dataFieldsLabel(['black_listed', 'custom'])).toBe('是否失信、custom')
    expect(readerNameLabel('service-management')).toBe('政务服务管理平台')
  })
})
