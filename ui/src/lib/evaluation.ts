/** 好差评 (GB/T 39734): the five levels and the rating a case already has. */
import type { CaseEvaluation, EvaluationReason, EvaluationResult, Rating } from '@/api'

/** A rating at or below this is a 差评: it needs a reason and opens a rectification task. */
export const BAD_RATING = 2

/** The reasons' labels in the list's words (a code the list does not know is shown as it is). */
export function reasonLabels(codes: readonly string[], list: readonly EvaluationReason[]): string {
  return codes.map((code) => list.find((r) => r.code === code)?.label ?? code).join('、')
}

export const RATING_LEVELS: { value: Rating; label: string }[] = [
  { value: 5, label: '非常满意' },
  { value: 4, label: '满意' },
  { value: 3, label: '基本满意' },
  { value: 2, label: '不满意' },
  { value: 1, label: '非常不满意' },
]

/** The rating on record: the one just given (the POST's answer) or the case detail's; null when none. */
export function givenRating(justGiven: EvaluationResult | null | undefined, onRecord: CaseEvaluation | null | undefined): CaseEvaluation | null {
  if (justGiven) {
    return { rating: justGiven.rating, level: justGiven.level, tags: justGiven.tags, reasons: justGiven.reasons, comment: justGiven.comment, at: justGiven.created_at }
  }
  return onRecord ?? null
}
