/** Only a path of this site may be a redirect target after logging in (no open redirect). */
export function safeRedirect(value: unknown): string | null {
  const target = Array.isArray(value) ? value[0] : value
  if (typeof target !== 'string') return null
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return null
  if (target.startsWith('/login') || target.startsWith('/register')) return null
  return target
}
