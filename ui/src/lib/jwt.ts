/** Reading (not verifying) the gateway's access token: the services verify it, the UI only needs
 * to know who is logged in and until when. */
import type { AccountType } from '@/api'

export interface TokenClaims {
  sub: string
  typ: AccountType
  name: string
  idn?: string
  roles: string[]
  dept?: string
  /** an applicant's identity assurance level (1–3, docs/identity.md); absent for staff */
  loa?: number
  exp: number
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=')
  const binary = atob(base64)
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}

/** The claims of a JWT, or null when it is not one the gateway would issue. */
export function decodeClaims(token: string): TokenClaims | null {
  const segments = token.split('.')
  if (segments.length !== 3) return null
  try {
    const claims = JSON.parse(base64UrlDecode(segments[1]!)) as Partial<TokenClaims>
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.typ !== 'string') return null
    return {
      sub: claims.sub,
      typ: claims.typ,
      name: typeof claims.name === 'string' ? claims.name : '',
      idn: claims.idn,
      roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [],
      dept: claims.dept,
      loa: typeof claims.loa === 'number' && Number.isInteger(claims.loa) ? claims.loa : undefined,
      exp: claims.exp,
    }
  } catch {
    return null
  }
}

export function isExpired(claims: TokenClaims, nowSeconds: number = Date.now() / 1000): boolean {
  return claims.exp <= nowSeconds + 5
}
