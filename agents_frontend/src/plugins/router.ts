import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('@/views/ShellView.vue'),
      children: [
        { path: '', name: 'home', component: () => import('@/views/ChatView.vue') },
        { path: 'chat/:agentKey/:contactId?', name: 'chat', component: () => import('@/views/ChatView.vue') },
        { path: 'bots', name: 'bots', component: () => import('@/views/BotsView.vue') },
        // The team's inbox of visitor conversations (`/inbox` is the API's path, not the SPA's).
        { path: 'visitors/:conversationId?', name: 'visitors', component: () => import('@/views/InboxView.vue') },
        { path: 'settings/team', name: 'team', component: () => import('@/views/TeamView.vue') },
        // `/webhooks` is the API's path; the page lives under settings.
        { path: 'settings/webhooks', name: 'webhooks', component: () => import('@/views/WebhooksView.vue') },
        // The person's own pages. `/tasks`, `/usage` and `/admin/users` are also API paths:
        // the server answers a browser's navigation there with the SPA (ops/spa.py).
        { path: 'meetings', name: 'meetings', component: () => import('@/views/MeetingsView.vue') },
        { path: 'tasks', name: 'tasks', component: () => import('@/views/TasksView.vue') },
        { path: 'usage', name: 'usage', component: () => import('@/views/UsageView.vue') },
        { path: 'account', name: 'account', component: () => import('@/views/AccountView.vue') },
        { path: 'admin/users', name: 'admin-users', component: () => import('@/views/AdminUsersView.vue'), meta: { admin: true } },
      ],
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  const auth = useAuthStore()
  if (!to.meta.public && !auth.isAuthenticated) {
    return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  }
  if (to.name === 'login' && auth.isAuthenticated) return { name: 'home' }
  // Administrators only (the server refuses the others' requests anyway).
  if (to.meta.admin && auth.user?.role !== 'admin') return { name: 'home' }
  return true
})
