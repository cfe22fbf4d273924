/** Whether sign-in through the provincial identity platform is offered (GET /auth/oidc), asked once per page load. */
import { ref, type Ref } from 'vue'
import * as api from '@/api'

let pending: Promise<api.OidcStatus> | null = null

export function useOidcStatus(): Ref<api.OidcStatus | null> {
  const status = ref<api.OidcStatus | null>(null)
  pending ??= api.getOidcStatus().catch(() => {
    pending = null // asked again on the next page
    return { enabled: false, name: '' }
  })
  void pending.then((value) => (status.value = value))
  return status
}

/** For the unit tests: forget the answer. */
export function resetOidcStatus(): void {
  pending = null
}
