import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api'
import { mapProblem } from '@/lib/problem'
import { checkDraft, emptyDraft, formPaths, pathLabels, sharingTypeLabel, translateResourceProblem } from '@/views/admin/data/resourceForm'

describe('registering a data catalogue resource', () => {
  it('checks the draft as data-sharing does, naming the fields by its paths', () => {
    const { errors, body } = checkDraft({ ...emptyDraft('amr'), code: 'Bad Code', fields: [{ name: 'licence_no', label: '' }, { name: 'licence_no', label: '许可证号' }, { name: '9x', label: 'x' }] })
    expect(body).toBeNull()
    expect(errors).toEqual({
      code: '资源代码为2至64位小写字母、数字或连字符，以字母开头',
      name: '请填写资源名称',
      'fields.0.label': '请填写中文名称',
      'fields.1.name': '字段名不能重复',
      'fields.2.name': '字段名为小写字母、数字或下划线，以字母开头，最多64位',
      sharing_type: '请选择共享类型',
      update_frequency: '请选择更新频率',
    })
    expect(checkDraft({ ...emptyDraft(''), fields: [] }).errors).toMatchObject({ owner_department: '请选择所属部门', fields: '请至少登记一个数据项' })
  })

  it('sends the trimmed body data-sharing accepts', () => {
    const { errors, body } = checkDraft({
      code: ' food-premises ',
      name: ' 食品经营场所 ',
      description: '',
      owner_department: 'amr',
      fields: [{ name: 'licence_no', label: ' 许可证编号 ' }],
      sharing_type: 'conditional',
      update_frequency: 'daily',
      personal: false,
    })
    expect(errors).toEqual({})
    expect(body).toEqual({
      code: 'food-premises',
      name: '食品经营场所',
      description: '',
      owner_department: 'amr',
      fields: [{ name: 'licence_no', label: '许可证编号' }],
      sharing_type: 'conditional',
      update_frequency: 'daily',
      personal: false,
    })
    expect(sharingTypeLabel('not_shared')).toBe('不予共享')
  })

  it('puts data-sharing refusals next to the field, in Chinese', () => {
    const conflict = new ApiError({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'resource population is already registered', errors: [{ field: 'code', message: 'resource population is already registered' }] })
    expect(mapProblem(translateResourceProblem(conflict), { fields: formPaths(1), labels: pathLabels(1) }).fields).toEqual({ code: '该资源代码已被登记，请换一个代码' })
    const pattern = new ApiError({ type: 'about:blank', title: 'Unprocessable', status: 422, errors: [{ field: 'fields.1.name', message: "String should match pattern '^[a-z][a-z0-9_]{0,63}$'" }] })
    expect(mapProblem(translateResourceProblem(pattern), { fields: formPaths(2), labels: pathLabels(2) }).fields).toEqual({ 'fields.1.name': '第2个数据项的字段名格式不正确' })
    const forbidden = new ApiError({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'only the admin or a department admin of amr may do this' })
    expect(mapProblem(translateResourceProblem(forbidden)).summary).toBe('只有管理员或资源所属部门的部门管理员可以登记、修改该资源')
  })
})
