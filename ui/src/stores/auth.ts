/**
 * Who is logged in. The token lives in sessionStorage: it ends with the browser tab, which suits
 * a shared computer in a service hall, and survives a reload.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as api from '@/api'
import { normalizeLevel } from '@/lib/assurance'
import { decodeClaims, isExpired, type TokenClaims } from '@/lib/jwt'

const STORAGE_KEY = 'gov.portal.token'

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}

export type Audience = 'public' | 'applicant' | 'reviewer' | 'staff'

export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(storedToken())
  const account = ref<api.Account | null>(null)

  const claims = computed<TokenClaims | null>(() => (token.value ? decodeClaims(token.value) : null))
  const isAuthenticated = computed(() => claims.value !== null && !isExpired(claims.value))
  const accountType = computed(() => (isAuthenticated.value ? claims.value!.typ : null))
  const isApplicant = computed(() => accountType.value === 'person' || accountType.value === 'entity')
  const isStaff = computed(() => accountType.value === 'staff')
  const roles = computed(() => (isAuthenticated.value ? claims.value!.roles : []))
  const department = computed(() => (isAuthenticated.value ? (claims.value!.dept ?? null) : null))
  const displayName = computed(() => account.value?.name ?? claims.value?.name ?? '')
  /** An applicant's identity assurance level (the token's `loa`); null for staff and guests. */
  const assuranceLevel = computed(() => (isAuthenticated.value && isApplicant.value ? normalizeLevel(claims.value!.loa) : null))

  function hasRole(...wanted: string[]): boolean {
    return wanted.some((r) => roles.value.includes(r))
  }

  function setToken(value: string | null): void {
    token.value = value
    account.value = null
    try {
      if (value) sessionStorage.setItem(STORAGE_KEY, value)
      else sessionStorage.removeItem(STORAGE_KEY)
    } catch {
      // storage refused (private mode): the session lasts until the page is closed
    }
  }

  async function login(username: string, password: string, totp?: string): Promise<TokenClaims> {
    const response = totp ? await api.login(username.trim(), password, totp) : await api.login(username.trim(), password)
    return adoptToken(response.access_token)
  }

  /**
   * Keeps a token the gateway issued otherwise: after the phone code raised the level (the old
   * token is replaced), or from the fragment of the identity platform's sign-in.
   */
  function adoptToken(value: string): TokenClaims {
    const decoded = decodeClaims(value)
    if (!decoded || isExpired(decoded)) throw new Error('登录凭证无法识别')
    setToken(value)
    return decoded
  }

  function logout(): void {
    setToken(null)
  }

  /** The account of the token in use, read once. An answer for a token no longer in use (the person switched
   *  back from acting for an entity, or logged out, while it was on its way) is dropped: it would name the
   *  entity in the person's header. */
  async function loadAccount(): Promise<api.Account | null> {
    if (!isAuthenticated.value) return null
    if (account.value) return account.value
    const asked = token.value
    const me = await api.getMe()
    if (token.value !== asked) return null
    account.value ??= me
    return account.value
  }

  /** Where someone lands after logging in, by who they are. */
  function homeRoute(): string {
    if (isApplicant.value) return '/my/cases'
    if (hasRole('reviewer', 'handler', 'approver')) return '/review'
    if (hasRole('clerk')) return '/intake'
    if (hasRole('admin', 'department_admin')) return '/supervision'
    if (isStaff.value) return '/staff/cases'
    return '/'
  }

  return {
    token,
    account,
    claims,
    isAuthenticated,
    accountType,
    isApplicant,
    isStaff,
    roles,
    department,
    displayName,
    assuranceLevel,
    hasRole,
    login,
    adoptToken,
    logout,
    loadAccount,
    homeRoute,
  }
})
