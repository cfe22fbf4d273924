/**
 * A call refused for a too-low identity assurance level (403 `assurance_level_required`) leads
 * the applicant to 实名认证, which says why and brings them back here once raised.
 */
import { useRoute, useRouter } from 'vue-router'
import { assuranceShortfall, identityRoute, type AssurancePurpose } from '@/lib/assurance'

export function useAssuranceRedirect(): (cause: unknown, purpose: AssurancePurpose, returnTo?: string) => boolean {
  const route = useRoute()
  const router = useRouter()
  return (cause, purpose, returnTo) => {
    const shortfall = assuranceShortfall(cause)
    if (!shortfall) return false
    void router.replace(identityRoute(shortfall, purpose, returnTo ?? route.fullPath))
    return true
  }
}
