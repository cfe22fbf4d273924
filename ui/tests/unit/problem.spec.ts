import { describe, expect, it } from 'vitest'
import { ApiError, type Problem } from '@/api'
import { describeError, mapProblem, translateMessage } from '@/lib/problem'

function apiError(problem: Partial<Problem> & { status: number }): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Error', ...problem })
}

describe('problem details mapped onto a form', () => {
  it('shows the API’s Chinese as it is, with the form’s label for the field path it names', () => {
    // As the services answer now (gov_common.validation_text): Chinese, the field named by its path.
    const error = apiError({
      status: 422,
      detail: '提交的内容有误：“form.capital”应为数字；名称（form.name）至少应有 2 个字符',
      errors: [
        { field: 'form.capital', message: '“form.capital”应为数字', code: 'float_parsing' },
        { field: 'form.name', message: '名称（form.name）至少应有 2 个字符', code: 'string_too_short' },
        { field: 'form.note', message: '“form.note”至多 10 个字符', code: 'string_too_long' },
      ],
    })
    const mapped = mapProblem(error, { prefix: 'form.', fields: ['capital', 'name'], labels: { capital: '注册资本', name: '字号名称' } })
    expect(mapped.fields).toEqual({ capital: '注册资本应为数字', name: '字号名称至少应有 2 个字符' })
    expect(mapped.general).toEqual(['“form.note”至多 10 个字符（note）'])
    expect(translateMessage('HTTP Basic 凭据格式不正确')).toBe('HTTP Basic 凭据格式不正确')
    expect(translateMessage('决策表不可用：节点 \'规则\'第 2 行“理由”列：超过 1000 个字符')).toBe('决策表不可用：节点 \'规则\'第 2 行“理由”列：超过 1000 个字符')
  })

  it('puts the registration errors next to their fields, in Chinese', () => {
    // As the gateway answers a malformed registration (pydantic's messages).
    const error = apiError({
      status: 422,
      detail: 'Invalid input: name, phone, password',
      errors: [
        { field: 'name', message: 'String should have at least 1 character' },
        { field: 'phone', message: "String should match pattern '^1[3-9]\\d{9}$'" },
        { field: 'password', message: 'String should have at least 8 characters' },
      ],
    })
    const mapped = mapProblem(error, { fields: ['id_number', 'name', 'phone', 'password'], labels: { name: '姓名', phone: '手机号码', password: '密码' } })
    expect(mapped.fields).toEqual({
      name: '姓名至少需要1个字符',
      phone: '手机号码格式不正确',
      password: '密码至少需要8个字符',
    })
    expect(mapped.general).toEqual([])
    expect(mapped.summary).toBe('填写的信息有误，请按提示修改')
  })

  it('maps a duplicate registration (409) to the number', () => {
    const error = apiError({
      status: 409,
      detail: 'an account with this identity number already exists',
      errors: [{ field: 'id_number', message: 'an account with this identity number already exists' }],
    })
    expect(mapProblem(error, { fields: ['id_number'] }).fields).toEqual({ id_number: '该证件号码已注册，请直接登录' })
  })

  it('maps an invalid check digit reported by the API', () => {
    const error = apiError({
      status: 422,
      errors: [{ field: 'id_number', message: "not a valid resident identity number: The number's checksum or check digit is invalid." }],
    })
    expect(mapProblem(error, { fields: ['id_number'] }).fields.id_number).toBe('居民身份证号码无效，请核对地区码、出生日期和校验位')
  })

  it('strips the prefix of a case form and keeps the item’s own label', () => {
    const error = apiError({
      status: 422,
      detail: '资金数额（万元） must be a number',
      errors: [{ field: 'form.capital', message: '资金数额（万元） must be a number' }],
    })
    const mapped = mapProblem(error, { prefix: 'form.', fields: ['business_name', 'capital'] })
    expect(mapped.fields).toEqual({ capital: '资金数额（万元）应为数字' })
  })

  it('keeps errors for fields the form does not show as general messages', () => {
    const error = apiError({
      status: 404,
      detail: 'service item X does not exist or is not published',
      errors: [{ field: 'item_code', message: 'service item X does not exist or is not published' }],
    })
    const mapped = mapProblem(error, { prefix: 'form.', fields: ['capital'] })
    expect(mapped.fields).toEqual({})
    expect(mapped.general).toEqual(['事项 X 不存在或尚未发布（item_code）'])
    expect(mapped.summary).toBe('事项 X 不存在或尚未发布（item_code）')
  })

  it('says a wrong password in Chinese', () => {
    expect(describeError(apiError({ status: 401, detail: 'wrong user name or password' }))).toBe('用户名或密码错误')
    expect(describeError(apiError({ status: 429, detail: 'too many failed log-ins from this account; try again in 61 seconds' }))).toBe(
      '该账号登录失败次数过多，请 2 分钟后再试；在您曾成功登录的设备上登录不受影响',
    )
    expect(describeError(apiError({ status: 429, detail: 'too many failed log-ins from this address; try again in 5 seconds' }))).toBe(
      '您所在的网络登录失败次数过多，请 5 秒后再试',
    )
  })

  it('falls back to a Chinese summary of the status, keeping the unknown message', () => {
    const mapped = mapProblem(apiError({ status: 422, errors: [{ field: 'x', message: 'something new' }] }), { fields: ['x'] })
    expect(mapped.fields.x).toBe('填写的信息有误，请按提示修改（something new）')
    expect(describeError(apiError({ status: 503, detail: 'service-management is unavailable; try again shortly' }))).toBe('服务暂时不可用，请稍后重试')
    expect(describeError(apiError({ status: 500, detail: 'An internal error occurred; it has been logged.' }))).toBe('系统繁忙，请稍后重试')
    expect(describeError(apiError({ status: 0, detail: 'TypeError: Failed to fetch' }))).toBe('无法连接服务器，请检查网络后重试')
  })

  it('passes Chinese messages through', () => {
    expect(translateMessage('签名校验失败：证照内容与签发时不一致')).toBe('签名校验失败：证照内容与签发时不一致')
  })

  it('describes an error that is not the API’s', () => {
    expect(describeError(new Error('boom'))).toBe('页面出错：boom')
  })
})
