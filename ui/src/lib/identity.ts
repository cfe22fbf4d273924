/**
 * Identity numbers, checked in the browser exactly as the API checks them (python-stdnum's
 * cn.ric and cn.uscc behind gov_common.identity), so that a mistake is shown while typing.
 * The API stays the authority: it also checks the county code of a resident ID number against
 * the full table of divisions, which is too large to ship; its answer is shown next to the field.
 */

export type Checked = { ok: true; value: string } | { ok: false; message: string }

// GB 11643: weights 2^(17-i) mod 11; check = (12 - sum mod 11) mod 11, 10 written as X.
const RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
// First two digits of the divisions python-stdnum knows (provinces, HK, Macao, Taiwan).
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42',
  '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
])

/** The check digit for the first 17 digits of a resident identity number. */
export function residentIdCheckDigit(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('17 digits expected')
  const sum = RIC_WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0)
  const check = (12 - (sum % 11)) % 11
  return check === 10 ? 'X' : String(check)
}

function validDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day))
  return year >= 1 && d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
}

export function checkResidentId(input: string): Checked {
  const value = input.trim().toUpperCase()
  if (!value) return { ok: false, message: '请输入居民身份证号码' }
  if (value.length !== 18) return { ok: false, message: '居民身份证号码应为18位' }
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, message: '前17位应为数字，最后一位为数字或字母X' }
  if (value.slice(-1) !== residentIdCheckDigit(value.slice(0, 17))) {
    return { ok: false, message: '校验位不正确，请核对号码' }
  }
  const [year, month, day] = [value.slice(6, 10), value.slice(10, 12), value.slice(12, 14)].map(Number)
  if (!validDate(year!, month!, day!)) return { ok: false, message: '号码中的出生日期不正确' }
  if (!PROVINCES.has(value.slice(0, 2))) return { ok: false, message: '号码中的地区码不正确' }
  return { ok: true, value }
}

// GB 32100: 31 characters (no I, O, Z, S, V); weights 3^i mod 31; check = (31 - sum mod 31) mod 31.
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** The check character for the first 17 characters of a unified social credit code. */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new Error('17 characters expected')
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const index = USCC_ALPHABET.indexOf(first17[i]!)
    if (index < 0) throw new Error(`not a USCC character: ${first17[i]}`)
    sum += index * USCC_WEIGHTS[i]!
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!
}

export function checkUscc(input: string): Checked {
  const value = input.replace(/[\s-]/g, '').toUpperCase()
  if (!value) return { ok: false, message: '请输入统一社会信用代码' }
  if (value.length !== 18) return { ok: false, message: '统一社会信用代码应为18位' }
  if (!/^\d{8}/.test(value)) return { ok: false, message: '前8位（登记管理部门、机构类别和行政区划码）应为数字' }
  if ([...value.slice(8)].some((c) => !USCC_ALPHABET.includes(c))) {
    return { ok: false, message: '第9至18位只能是数字或大写字母（不含I、O、Z、S、V）' }
  }
  if (value.slice(-1) !== usccCheckCharacter(value.slice(0, 17))) {
    return { ok: false, message: '校验码不正确，请核对代码' }
  }
  return { ok: true, value }
}

/** 110101199003077758 -> 110101********7758, as the API masks numbers for others. */
export function maskIdNumber(value: string | null | undefined): string {
  if (!value) return ''
  if (value.length <= 10) return value.slice(0, 2) + '*'.repeat(Math.max(0, value.length - 2))
  return value.slice(0, 6) + '*'.repeat(value.length - 10) + value.slice(-4)
}
