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
  return true
})
