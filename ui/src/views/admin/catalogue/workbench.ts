/**
 * What the catalogue workbench's pages share: who is acting (for the actions shown), and saving a
 * file (the import templates).
 */
import { computed, ref, type ComputedRef, type Ref } from 'vue'
import { describeCatalogueError, type Actor } from '@/lib/catalogueAdmin'
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

/**
 * An .xlsx import template fetched from the API (it needs the bearer token, so no plain link) and
 * saved under `name`; `error` says in Chinese why it could not be.
 */
export function useTemplateDownload(
  name: string,
  fetch: () => Promise<Blob>,
): { fetching: Ref<boolean>; error: Ref<string>; save: () => Promise<void> } {
  const fetching = ref(false)
  const error = ref('')
  async function save(): Promise<void> {
    error.value = ''
    fetching.value = true
    try {
      saveBlob(name, await fetch())
    } catch (cause) {
      error.value = `下载导入模板失败：${describeCatalogueError(cause)}`
    } finally {
      fetching.value = false
    }
  }
  return { fetching, error, save }
}
