import 'element-plus/dist/index.css'
import './styles/main.css'

import { ElLoading, ElMessage } from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { configureAuth } from '@/api'
import App from '@/App.vue'
import { router } from '@/router'
import { useAuthStore } from '@/stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(router)
app.directive('loading', ElLoading.directive)

const auth = useAuthStore(pinia)
configureAuth(
  () => (auth.isAuthenticated ? auth.token : null),
  () => {
    // The gateway refused the token (expired or revoked): log out and ask to log in again, once
    // (the page's other calls refused with the same token find it gone).
    if (!auth.token) return
    auth.logout()
    const current = router.currentRoute.value
    if (current.name !== 'login') {
      ElMessage.warning('登录已失效，请重新登录')
      void router.push({ name: 'login', query: { redirect: current.fullPath } })
    }
  },
)

app.mount('#app')
