/**
 * Sign-in through the provincial identity platform (OpenID Connect, docs/identity.md): the gateway
 * ends the flow by sending the browser to `/login/oidc#access_token=…&expires_in=…&return_to=…`.
 * The token travels in the fragment (never sent to a server, never in a log); the page reads it,
 * stores it and clears the fragment.
 */
import { safeRedirect } from '@/lib/redirect'

export interface OidcResult {
  accessToken: string
  expiresIn: number | null
  /** a path of this site (anything else is dropped: no open redirect) */
  returnTo: string | null
}

export type OidcFragment = { ok: true; result: OidcResult } | { ok: false; error: string }

/** The identity platform's or the gateway's refusal, in Chinese. */
const ERRORS: Record<string, string> = {
  access_denied: '您已取消统一身份认证登录',
  login_required: '统一身份认证平台要求重新登录',
  invalid_state: '登录请求已过期或无效，请重新发起统一身份认证登录',
  oidc_failed: '统一身份认证登录未能完成，请重试',
}

/** Reads `#access_token=…&expires_in=…&return_to=…` (or `#error=…`). */
export function parseOidcFragment(hash: string): OidcFragment {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash)
  const error = params.get('error')
  if (error) {
    const description = params.get('error_description')
    return { ok: false, error: ERRORS[error] ?? `统一身份认证登录未能完成${description ? `（${description}）` : ''}` }
  }
  const accessToken = params.get('access_token')
  if (!accessToken || accessToken.split('.').length !== 3) return { ok: false, error: '未收到统一身份认证的登录凭证，请重新登录' }
  const expires = Number(params.get('expires_in'))
  return {
    ok: true,
    result: {
      accessToken,
      expiresIn: Number.isFinite(expires) && expires > 0 ? expires : null,
      returnTo: safeRedirect(params.get('return_to')),
    },
  }
}
