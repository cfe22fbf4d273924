/** Fresh, valid identity numbers for test applicants (each test registers its own). */
import { residentIdCheckDigit, usccCheckCharacter } from '../src/lib/identity'

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0')
}

function random(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1))
}

/** A resident ID number of 桐庐县 (330122), born 1970–1999 (or in the years given), with its check digit. */
export function newResidentId(fromYear = 1970, toYear = 1999): string {
  const birth = new Date(Date.UTC(random(fromYear, toYear), random(0, 11), random(1, 28)))
  const first17 = `330122${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1, 2)}${pad(birth.getUTCDate(), 2)}${pad(random(0, 999), 3)}`
  return first17 + residentIdCheckDigit(first17)
}

/** A unified social credit code of a company (91) registered in 330122, with its check character. */
export function newUscc(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  let organisation = ''
  for (let i = 0; i < 9; i++) organisation += alphabet[random(0, alphabet.length - 1)]
  const first17 = `91330122${organisation}`
  return first17 + usccCheckCharacter(first17)
}

export function newPhone(): string {
  return `139${pad(random(0, 99_999_999), 8)}`
}
