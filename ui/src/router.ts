/**
 * The pages. Each route says who may open it (`meta.access`, `meta.roles`); the navigation in
 * the layout is built from the same routes (`meta.nav`), so a new workbench page appears in the
 * menu of the roles that may use it by adding its route here.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { verdict, type Access } from '@/lib/access'
import { useAuthStore } from '@/stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    access?: Access
    roles?: readonly string[]
    /** Shown in the main navigation under this label, in this group; with `menu`, inside that
     * drop-down menu of the desktop navigation (the administrators' many pages). */
    nav?: { label: string; group: 'public' | 'applicant' | 'staff'; order: number; menu?: string }
    /** The page this one is reached from (a route name): the staff console's breadcrumbs. */
    parent?: string
  }
}

export const SITE_NAME = '示范县政务服务网'

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    component: () => import('@/layouts/AppLayout.vue'),
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('@/views/public/HomeView.vue'),
        meta: { title: '首页', nav: { label: '首页', group: 'public', order: 1 } },
      },
      {
        path: 'items',
        name: 'catalogue',
        component: () => import('@/views/public/CatalogueView.vue'),
        meta: { title: '办事指南', nav: { label: '办事指南', group: 'public', order: 2 } },
      },
      {
        path: 'items/:code',
        name: 'item',
        component: () => import('@/views/public/ItemDetailView.vue'),
        props: true,
        meta: { title: '事项详情' },
      },
      {
        path: 'bundles/:code',
        name: 'bundle',
        component: () => import('@/views/public/BundleView.vue'),
        props: true,
        meta: { title: '一件事一次办' },
      },
      {
        path: 'bundle-applications/:bundleNo',
        name: 'bundle-application',
        component: () => import('@/views/applicant/BundleApplicationView.vue'),
        props: true,
        meta: { title: '一件事办理情况', access: 'applicant' },
      },
      {
        path: 'lists',
        name: 'lists',
        component: () => import('@/views/public/ListsView.vue'),
        meta: { title: '五张清单', nav: { label: '五张清单', group: 'public', order: 3 } },
      },
      {
        path: 'verify',
        name: 'verify',
        component: () => import('@/views/public/VerifyView.vue'),
        meta: { title: '电子证照核验', nav: { label: '证照核验', group: 'public', order: 4 } },
      },
      {
        // The address a licence's QR code carries.
        path: 'verify/:licenseNo',
        name: 'verify-result',
        component: () => import('@/views/public/VerifyView.vue'),
        props: true,
        meta: { title: '电子证照核验' },
      },
      {
        // The public progress look-up (no login); the notices' QR code carries ?case_no=.
        path: 'progress',
        name: 'progress-lookup',
        component: () => import('@/views/public/ProgressLookupView.vue'),
        meta: { title: '办件进度查询' },
      },
      {
        path: 'login',
        name: 'login',
        component: () => import('@/views/auth/LoginView.vue'),
        meta: { title: '登录', access: 'guest' },
      },
      {
        path: 'register',
        name: 'register',
        component: () => import('@/views/auth/RegisterView.vue'),
        meta: { title: '注册', access: 'guest' },
      },
      {
        path: 'apply/:code',
        name: 'apply',
        component: () => import('@/views/applicant/ApplyView.vue'),
        props: true,
        meta: { title: '在线申报', access: 'applicant' },
      },
      {
        path: 'my/cases',
        name: 'my-cases',
        component: () => import('@/views/applicant/MyCasesView.vue'),
        meta: { title: '我的办件', access: 'applicant', nav: { label: '我的办件', group: 'applicant', order: 1 } },
      },
      {
        path: 'my/bundles',
        name: 'my-bundles',
        component: () => import('@/views/applicant/MyBundlesView.vue'),
        // No header entry: a fifth applicant entry wraps the header at 1280 px for most enterprise
        // names; 我的办件 links here, and each bundle application back.
        meta: { title: '我的一件事', access: 'applicant' },
      },
      {
        path: 'my/licenses',
        name: 'my-licenses',
        component: () => import('@/views/applicant/MyLicensesView.vue'),
        meta: { title: '我的证照', access: 'applicant', nav: { label: '我的证照', group: 'applicant', order: 2 } },
      },
      {
        path: 'my/data-access',
        name: 'my-data-access',
        component: () => import('@/views/applicant/MyDataAccessView.vue'),
        meta: { title: '谁查看了我的数据', access: 'applicant', nav: { label: '数据查看记录', group: 'applicant', order: 3 } },
      },
      {
        // 实名认证: the assurance level and its raise (docs/identity.md); linked from the header's
        // level, 我的办件 and every refusal for a too-low level (no fifth header entry).
        path: 'my/identity',
        name: 'my-identity',
        component: () => import('@/views/applicant/MyIdentityView.vue'),
        meta: { title: '实名认证', access: 'applicant' },
      },
      {
        // 个性化服务设置: the opt-outs of the personalised services; linked from 为您推荐 (no header entry).
        path: 'my/personal-settings',
        name: 'my-personal-settings',
        component: () => import('@/views/applicant/PersonalSettingsView.vue'),
        meta: { title: '个性化服务设置', access: 'applicant' },
      },
      {
        // The identity platform's sign-in comes back here with the token in the fragment.
        path: 'login/oidc',
        name: 'login-oidc',
        component: () => import('@/views/auth/OidcCallbackView.vue'),
        meta: { title: '统一身份认证登录' },
      },
      {
        // Part B: the applicant's notifications (the bell in the header links here).
        path: 'my/notifications',
        name: 'my-notifications',
        component: () => import('@/views/applicant/NotificationsView.vue'),
        meta: { title: '消息通知', access: 'applicant', nav: { label: '消息通知', group: 'applicant', order: 4 } },
      },
      {
        // Its applicant, and the staff entitled to it, see a case.
        path: 'cases/:caseNo',
        name: 'case',
        component: () => import('@/views/applicant/CaseDetailView.vue'),
        props: true,
        meta: { title: '办件详情', access: 'authenticated' },
      },
      {
        // A case's written notices (文书): its applicant and the staff entitled to the case.
        path: 'cases/:caseNo/notices/:kind',
        name: 'case-notice',
        component: () => import('@/views/notices/NoticeView.vue'),
        props: true,
        meta: { title: '文书', access: 'authenticated' },
      },
      {
        path: 'licenses/:licenseNo',
        name: 'license',
        component: () => import('@/views/applicant/LicenseDetailView.vue'),
        props: true,
        meta: { title: '电子证照', access: 'authenticated' },
      },
      {
        path: 'review',
        name: 'worklist',
        component: () => import('@/views/reviewer/WorklistView.vue'),
        meta: {
          title: '待审批办件',
          access: 'staff',
          roles: ['reviewer', 'handler', 'approver', 'department_admin'],
          nav: { label: '审批工作台', group: 'staff', order: 1 },
        },
      },
      {
        path: 'review/:caseNo',
        name: 'work-item',
        component: () => import('@/views/reviewer/WorkItemView.vue'),
        props: true,
        meta: { parent: 'worklist', title: '办件审查', access: 'staff', roles: ['reviewer', 'handler', 'approver', 'department_admin'] },
      },
      {
        path: 'admin/stock-opinions',
        name: 'stock-opinions',
        component: () => import('@/views/staff/StockOpinionsView.vue'),
        meta: {
          title: '常用意见',
          access: 'staff',
          roles: ['department_admin'],
          nav: { label: '常用意见', group: 'staff', order: 1.5 },
        },
      },
      {
        path: 'intake',
        name: 'intake',
        component: () => import('@/views/clerk/IntakeQueueView.vue'),
        meta: {
          title: '窗口收件',
          access: 'staff',
          roles: ['clerk', 'admin'],
          nav: { label: '窗口收件', group: 'staff', order: 2 },
        },
      },
      {
        path: 'intake/new',
        name: 'intake-new',
        component: () => import('@/views/clerk/IntakeNewView.vue'),
        meta: { parent: 'intake', title: '新建收件', access: 'staff', roles: ['clerk', 'admin'] },
      },
      {
        path: 'intake/:caseNo',
        name: 'intake-case',
        component: () => import('@/views/clerk/IntakeCaseView.vue'),
        props: true,
        meta: { parent: 'intake', title: '办件受理', access: 'staff', roles: ['clerk', 'admin'] },
      },
      {
        path: 'supervision',
        name: 'performance',
        component: () => import('@/views/staff/PerformanceView.vue'),
        meta: {
          title: '效能监察',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '效能监察', group: 'staff', order: 3 },
        },
      },
      {
        path: 'supervision/cockpit',
        name: 'cockpit',
        component: () => import('@/views/admin/supervision/CockpitView.vue'),
        meta: {
          title: '领导驾驶舱',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '领导驾驶舱', group: 'staff', order: 3.45, menu: '监督管理' },
        },
      },
      {
        path: 'admin/processes',
        name: 'processes',
        component: () => import('@/views/staff/ProcessListView.vue'),
        meta: {
          title: '流程管理',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '流程管理', group: 'staff', order: 4, menu: '事项与清单' },
        },
      },
      {
        path: 'admin/items/:code/process',
        name: 'process',
        component: () => import('@/views/staff/ProcessView.vue'),
        props: true,
        meta: { parent: 'processes', title: '办件流程', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      {
        path: 'admin/items/:code/rules',
        name: 'rules',
        component: () => import('@/views/staff/RulesView.vue'),
        props: true,
        meta: { parent: 'processes', title: '决策表', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      {
        path: 'admin/data-grants',
        name: 'data-grants',
        component: () => import('@/views/staff/DataGrantsView.vue'),
        meta: {
          title: '数据共享授权',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '共享授权', group: 'staff', order: 5, menu: '数据共享' },
        },
      },
      // Part C: the catalogue workbench (items and the five lists)
      {
        path: 'admin/catalogue',
        name: 'catalogue-admin',
        component: () => import('@/views/admin/catalogue/ItemsAdminView.vue'),
        meta: {
          title: '事项管理',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '事项管理', group: 'staff', order: 3.8, menu: '事项与清单' },
        },
      },
      {
        path: 'admin/bundles',
        name: 'bundles-admin',
        component: () => import('@/views/admin/catalogue/BundlesAdminView.vue'),
        meta: {
          title: '一件事编排',
          access: 'staff',
          roles: ['admin'],
          nav: { label: '一件事编排', group: 'staff', order: 3.85, menu: '事项与清单' },
        },
      },
      {
        path: 'admin/catalogue/new',
        name: 'catalogue-item-new',
        component: () => import('@/views/admin/catalogue/ItemEditView.vue'),
        meta: { parent: 'catalogue-admin', title: '新建事项', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      {
        path: 'admin/catalogue/import',
        name: 'catalogue-import',
        component: () => import('@/views/admin/catalogue/ItemsImportView.vue'),
        meta: { parent: 'catalogue-admin', title: '批量导入事项', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      {
        path: 'admin/catalogue/items/:code',
        name: 'catalogue-item',
        component: () => import('@/views/admin/catalogue/ItemAdminView.vue'),
        props: true,
        meta: { parent: 'catalogue-admin', title: '事项版本', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      {
        path: 'admin/catalogue/items/:code/edit',
        name: 'catalogue-item-edit',
        component: () => import('@/views/admin/catalogue/ItemEditView.vue'),
        props: true,
        meta: { parent: 'catalogue-item', title: '编辑事项', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      {
        path: 'admin/lists',
        name: 'lists-admin',
        component: () => import('@/views/admin/catalogue/ListsAdminView.vue'),
        meta: {
          title: '清单管理',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '清单管理', group: 'staff', order: 3.9, menu: '事项与清单' },
        },
      },
      {
        path: 'admin/lists/:type/draft',
        name: 'list-draft',
        component: () => import('@/views/admin/catalogue/ListDraftView.vue'),
        props: true,
        meta: { parent: 'lists-admin', title: '编制清单草稿', access: 'staff', roles: ['admin', 'department_admin'] },
      },
      // Part D: data catalogue resources, rectification tasks, the working-day calendar
      {
        path: 'admin/data-resources',
        name: 'data-resources',
        component: () => import('@/views/admin/data/ResourcesView.vue'),
        meta: {
          title: '数据资源目录',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '数据目录', group: 'staff', order: 5.5, menu: '数据共享' },
        },
      },
      {
        path: 'admin/rectifications',
        name: 'rectifications',
        component: () => import('@/views/admin/supervision/RectificationsView.vue'),
        meta: {
          title: '整改任务',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '整改任务', group: 'staff', order: 3.5, menu: '监督管理' },
        },
      },
      {
        path: 'admin/calendar',
        name: 'calendar',
        component: () => import('@/views/admin/supervision/CalendarView.vue'),
        meta: {
          title: '工作日历',
          access: 'staff',
          roles: ['admin', 'department_admin'],
          nav: { label: '工作日历', group: 'staff', order: 8, menu: '监督管理' },
        },
      },
      {
        path: 'admin/dead-letters',
        name: 'dead-letters',
        component: () => import('@/views/admin/operations/DeadLettersView.vue'),
        meta: {
          title: '死信消息',
          access: 'staff',
          roles: ['admin'],
          nav: { label: '死信消息', group: 'staff', order: 8.5, menu: '监督管理' },
        },
      },
      {
        path: 'staff/cases',
        name: 'case-lookup',
        component: () => import('@/views/staff/CaseLookupView.vue'),
        meta: {
          title: '办件查询',
          access: 'staff',
          roles: ['admin', 'clerk', 'reviewer', 'handler', 'approver', 'department_admin'],
          nav: { label: '办件查询', group: 'staff', order: 9, menu: '监督管理' },
        },
      },
      // Legal persons: a person's entities (as legal representative or agent), opening an entity's
      // account, its agents, acting for it. No header entry (the applicant's bar is full); linked
      // from 我的办件 and from the strip shown while acting.
      {
        path: 'my/entities',
        name: 'my-entities',
        component: () => import('@/views/applicant/MyEntitiesView.vue'),
        meta: { title: '我的单位', access: 'applicant' },
      },
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('@/views/ForbiddenView.vue'),
        meta: { title: '无权访问' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach((to) => {
  const auth = useAuthStore()
  const result = verdict(to.meta, auth)
  if (result === 'login') return { name: 'login', query: { redirect: to.fullPath } }
  if (result === 'forbidden') return { name: 'forbidden', query: { from: to.fullPath } }
  if (result === 'home') return auth.homeRoute()
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - ${SITE_NAME}` : SITE_NAME
})
