import { describe, expect, it } from 'vitest'
import { checkResidentId, checkUscc, maskIdNumber, residentIdCheckDigit, usccCheckCharacter } from '@/lib/identity'

// Every verdict below is python-stdnum's (cn.ric, cn.uscc), which the API uses.
describe('resident identity number (GB 11643)', () => {
  it.each([
    '11010519491231002X',
    '110101199003077758',
    '110101198001010053',
    '320102198505054215',
    '33012219920202001X',
    '440305200001010013',
  ])('accepts %s', (number) => {
    expect(checkResidentId(number)).toEqual({ ok: true, value: number })
  })

  it('accepts a lower-case x and surrounding spaces, as the API does', () => {
    expect(checkResidentId(' 11010519491231002x ')).toEqual({ ok: true, value: '11010519491231002X' })
  })

  it.each([
    ['110105194912310021', '校验位不正确'], // the check digit should be X
    ['110101199003077757', '校验位不正确'], // should be 8
    ['11010519491231002', '应为18位'],
    ['1101051949123100XX', '前17位应为数字'],
    ['abc', '应为18位'],
    ['', '请输入'],
    ['110101199002300014', '出生日期'], // 30 February, with a right check digit
    ['990101199001010019', '地区码'], // no province 99, with a right check digit
  ])('refuses %s (%s)', (number, message) => {
    const result = checkResidentId(number)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toContain(message)
  })

  it('computes the check digit, 10 written as X', () => {
    expect(residentIdCheckDigit('11010519491231002')).toBe('X')
    expect(residentIdCheckDigit('11010119900307775')).toBe('8')
    expect(() => residentIdCheckDigit('1101')).toThrow()
  })
})

describe('unified social credit code (GB 32100)', () => {
  it.each(['91110000600037341L', '914403001922038216', '91330000742906207U', '91310000775785552L', '91110108551385082Q', '12100000400000624D', '92330122Y4CL12TH3H'])(
    'accepts %s',
    (code) => {
      expect(checkUscc(code)).toEqual({ ok: true, value: code })
    },
  )

  it('ignores spaces and hyphens and upper-cases, as the API does', () => {
    expect(checkUscc('9 1110000-600037341l')).toEqual({ ok: true, value: '91110000600037341L' })
  })

  it.each([
    ['91110000600037341M', '校验码不正确'],
    ['51110000500000193F', '校验码不正确'], // should be K
    ['A1110000600037341L', '前8位'],
    ['9111000060003734IL', '不含I'], // I is not in the alphabet
    ['12345', '应为18位'],
    ['', '请输入'],
  ])('refuses %s (%s)', (code, message) => {
    const result = checkUscc(code)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toContain(message)
  })

  it('computes the check character', () => {
    expect(usccCheckCharacter('91110000600037341')).toBe('L')
    expect(usccCheckCharacter('51110000500000193')).toBe('K')
  })
})

describe('masking', () => {
  it('keeps the first six and the last four characters, as the API masks', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X')
    expect(maskIdNumber('91110000600037341L')).toBe('911100********341L')
    expect(maskIdNumber('')).toBe('')
  })
})
