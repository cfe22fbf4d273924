/**
 * What the catalogue workbench's pages share: who is acting (for the actions shown), and saving a
 * file (the import templates).
 */
import { computed, type ComputedRef } from 'vue'
import type { Actor } from '@/lib/catalogueAdmin'
import { useAuthStore } from '@/stores/auth'

export function useActor(): ComputedRef<Actor> {
  const auth = useAuthStore()
  return computed(() => ({
    isAdmin: auth.hasRole('admin'),
    isDepartmentAdmin: auth.hasRole('department_admin'),
    department: auth.department,
  }))
}

/** Saves text as a file the browser downloads (the CSV import templates). */
export function download(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  saveBlob(name, new Blob([text], { type }))
}

/**
 * Saves bytes as a file the browser downloads: the .xlsx templates come from the API with the
 * token, so a plain link (which sends none) cannot fetch them.
 */
export function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
