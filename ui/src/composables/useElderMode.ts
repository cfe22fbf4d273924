import { ref } from 'vue'

/**
 * 长辈版: larger type, stronger contrast, underlined links and bigger targets for older people (as the national
 * age-friendly web guidelines ask of government sites). A class on <html> (styles/main.css), remembered on this
 * device; anyone can switch it from the header, signed in or not.
 */
const KEY = 'gov-elder-mode'

function stored(): boolean {
  try {
    return globalThis.localStorage?.getItem(KEY) === '1'
  } catch {
    return false
  }
}

const on = ref(stored())

function apply(): void {
  globalThis.document?.documentElement.classList.toggle('elder', on.value)
}
apply()

export function useElderMode(): { on: typeof on; toggle: () => void } {
  function toggle(): void {
    on.value = !on.value
    try {
      globalThis.localStorage?.setItem(KEY, on.value ? '1' : '0')
    } catch {
      // private browsing: the choice lasts for this page only
    }
    apply()
  }
  return { on, toggle }
}
