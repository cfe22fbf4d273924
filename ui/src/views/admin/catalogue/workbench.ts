/**
 * What the catalogue workbench's pages share: who is acting (for the actions shown), and the item
 * codes this browser has created, imported or opened. The API lists published items only, so the
 * drafts and retired items are found through these codes (each checked with the API when shown).
 */
import { computed, type ComputedRef } from 'vue'
import { rememberCodes, type Actor } from '@/lib/catalogueAdmin'
import { useAuthStore } from '@/stores/auth'

const KEY = 'gov.catalogue-admin.codes'

export function useActor(): ComputedRef<Actor> {
  const auth = useAuthStore()
  return computed(() => ({
    isAdmin: auth.hasRole('admin'),
    isDepartmentAdmin: auth.hasRole('department_admin'),
    department: auth.department,
  }))
}

function storageKey(): string {
  const auth = useAuthStore()
  return `${KEY}.${auth.claims?.sub ?? 'anonymous'}`
}

export function knownCodes(): string[] {
  try {
    const raw = localStorage.getItem(storageKey())
    const parsed: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : []
  } catch {
    return []
  }
}

export function rememberItemCodes(codes: readonly string[]): void {
  try {
    localStorage.setItem(storageKey(), JSON.stringify(rememberCodes(knownCodes(), codes)))
  } catch {
    // storage refused: the codes are simply not remembered
  }
}

/** Saves text as a file the browser downloads (the import templates). */
export function download(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
