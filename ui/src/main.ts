import 'element-plus/dist/index.css'
import './styles/main.css'

import { ElLoading, ElMessage } from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { configureAuth, configureFilingWaitNotice } from '@/api'
import App from '@/App.vue'
import { keepScrollRegionsFocusable } from '@/lib/scrollRegions'
import { router } from '@/router'
import { useActingStore } from '@/stores/acting'
import { useAuthStore } from '@/stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(router)
app.directive('loading', ElLoading.directive)

const auth = useAuthStore(pinia)
const acting = useActingStore(pinia)
configureAuth(
  () => (auth.isAuthenticated ? auth.token : null),
  () => {
    // Once: the page's other calls refused with the same token find it gone.
    if (!auth.token) return
    // Acting for an entity whose token was refused (the agent withdrawn, say): back to the person.
    const outcome = acting.refused()
    if (outcome === 'switched') {
      ElMessage.warning('以单位身份办事的授权已失效，已切换回个人身份')
      // after the navigation under way (the page that made the refused request) has settled
      void router.isReady().then(() => router.push({ name: 'my-entities' }))
    }
    if (outcome !== 'ended') return
    // The gateway refused the token (expired or revoked): log out and ask to log in again.
    auth.logout()
    const current = router.currentRoute.value
    if (current.name !== 'login') {
      ElMessage.warning('登录已失效，请重新登录')
      void router.push({ name: 'login', query: { redirect: current.fullPath } })
    }
  },
)

// A filing refused at a busy moment is sent again by itself (api/http.ts, FILING_RETRY): the applicant waits.
configureFilingWaitNotice((seconds) => {
  ElMessage.info({ message: `当前办件较多，系统将在 ${seconds} 秒后自动重新提交，请勿关闭页面`, duration: seconds * 1000 })
})

app.mount('#app')
keepScrollRegionsFocusable(document)
