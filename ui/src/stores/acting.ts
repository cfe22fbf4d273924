/**
 * Acting for an entity (以单位身份办事): the person's token is put aside while the entity's token
 * (which names the person in its `act` claim) is in use, and comes back with 切换回个人.
 * The token in use stays the auth store's; this store only keeps the person's beside it.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as api from '@/api'
import { actorOf, PERSON_TOKEN_KEY, readStored, startActing, stopActing, TOKEN_KEY, writeStored, type Sessions } from '@/lib/entities'
import { decodeClaims, isExpired } from '@/lib/jwt'
import { useAuthStore } from '@/stores/auth'

export const useActingStore = defineStore('acting', () => {
  const auth = useAuthStore()
  const personToken = ref<string | null>(readStored(PERSON_TOKEN_KEY))

  /** The person acting in the token in use; null unless it is an entity's token naming one. */
  const actor = computed(() => (auth.isAuthenticated ? actorOf(auth.token) : null))
  const isActing = computed(() => actor.value !== null)
  /** 钱多多 代表 … : the entity is the token's name. */
  const entityName = computed(() => (isActing.value ? (auth.claims?.name ?? '') : ''))

  function apply(next: Sessions): void {
    // The auth store's token and its sessionStorage copy, as its own setToken writes them.
    auth.$patch({ token: next.current, account: null })
    writeStored(TOKEN_KEY, next.current)
    personToken.value = next.person
    writeStored(PERSON_TOKEN_KEY, next.person)
  }

  function sessions(): Sessions {
    return { current: auth.token, person: personToken.value }
  }

  function personTokenUsable(): boolean {
    const claims = personToken.value ? decodeClaims(personToken.value) : null
    return claims !== null && claims.typ === 'person' && !isExpired(claims)
  }

  /** Acts for the entity: act-as with the person's token (back to it first when acting already). */
  async function actAs(uscc: string): Promise<void> {
    if (isActing.value && personTokenUsable()) apply(stopActing(sessions()))
    const response = await api.actAs(uscc)
    apply(startActing(sessions(), response.access_token))
  }

  /** 切换回个人: true when the person's session is in use again; false when it has ended too
   *  (then nobody is logged in and they log in again). */
  function switchBack(): boolean {
    if (personTokenUsable()) {
      apply(stopActing(sessions()))
      return true
    }
    apply({ current: null, person: null })
    return false
  }

  // When the entity's token was refused and the person's came back: requests still in flight
  // with the entity's token are refused too, and must not end the person's session.
  let leftAfterRefusal = 0
  const GRACE_MS = 10_000

  /**
   * The gateway refused the token in use (401): `switched` back to the person when it was an
   * entity's (the agent withdrawn, say); `ignored` for the echoes of that refusal; else `ended`.
   */
  function refused(now: number = Date.now()): 'switched' | 'ignored' | 'ended' {
    if (isActing.value) {
      if (switchBack()) {
        leftAfterRefusal = now
        return 'switched'
      }
      return 'ended'
    }
    if (now - leftAfterRefusal < GRACE_MS && auth.accountType === 'person') return 'ignored'
    return 'ended'
  }

  /** The person's token is forgotten with every log-out and log-in. */
  function forget(): void {
    personToken.value = null
    writeStored(PERSON_TOKEN_KEY, null)
  }

  auth.$onAction(({ name }) => {
    if (name === 'logout' || name === 'login') forget()
  })

  return { personToken, actor, isActing, entityName, actAs, switchBack, refused, forget }
})
