/** Print the notice on the page alone (CaseNotice's print styles act while the body carries the class). */
export const NOTICE_PRINT_CLASS = 'printing-notice'

export function printNotice(): void {
  document.body.classList.add(NOTICE_PRINT_CLASS)
  const done = (): void => {
    document.body.classList.remove(NOTICE_PRINT_CLASS)
    window.removeEventListener('afterprint', done)
  }
  window.addEventListener('afterprint', done)
  window.print()
}
