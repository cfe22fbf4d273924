/** Who may open a page: the one rule the router guard and the navigation both follow. */

export type Access = 'public' | 'guest' | 'authenticated' | 'applicant' | 'staff'

export interface PageAccess {
  access?: Access
  /** For staff pages: any one of these roles admits. */
  roles?: readonly string[]
}

export interface Viewer {
  isAuthenticated: boolean
  isApplicant: boolean
  isStaff: boolean
  roles: readonly string[]
}

export type Verdict = 'allow' | 'login' | 'forbidden' | 'home'

export function verdict(page: PageAccess, viewer: Viewer): Verdict {
  switch (page.access ?? 'public') {
    case 'public':
      return 'allow'
    case 'guest': // login and registration: someone logged in goes to their own start page
      return viewer.isAuthenticated ? 'home' : 'allow'
    case 'authenticated':
      return viewer.isAuthenticated ? 'allow' : 'login'
    case 'applicant':
      if (!viewer.isAuthenticated) return 'login'
      return viewer.isApplicant ? 'allow' : 'forbidden'
    case 'staff':
      if (!viewer.isAuthenticated) return 'login'
      if (!viewer.isStaff) return 'forbidden'
      return !page.roles?.length || page.roles.some((r) => viewer.roles.includes(r)) ? 'allow' : 'forbidden'
  }
}

/** Whether a navigation entry is shown: only pages the viewer may open, and no login links once logged in. */
export function visible(page: PageAccess, viewer: Viewer): boolean {
  const access = page.access ?? 'public'
  if (access === 'public') return true
  if (access === 'guest') return !viewer.isAuthenticated
  return verdict(page, viewer) === 'allow'
}
