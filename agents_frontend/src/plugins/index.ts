import type { App } from 'vue'
import { watch } from 'vue'
import { createPinia } from 'pinia'

import { i18n } from './i18n'
import { followLanguage } from './language'
import { router } from './router'
import { socketPlugin } from './socket'
import { vuetify } from './vuetify'
import { followThemeChoice } from './theme'
import { socket } from '@/socket'
import { useAuthStore } from '@/stores/auth'

export function registerPlugins(app: App): void {
  const pinia = createPinia()
  app.use(pinia).use(i18n).use(vuetify)
  followThemeChoice(vuetify.theme)
  const auth = useAuthStore(pinia)
  auth.resume()
  followLanguage(pinia)
  window.addEventListener('storage', (event) => {
    if (event.key === 'agents.session') auth.adoptFromStorage()
  })
  // The socket follows the session from here on, whichever view is showing.
  app.use(socketPlugin, socket)
  // A session that ends (refresh refused, signed out elsewhere) goes back to sign-in.
  watch(
    () => auth.isAuthenticated,
    (signedIn) => {
      if (!signedIn && router.currentRoute.value.name !== 'login') void router.replace({ name: 'login' })
    },
  )
  app.use(router)
  // Vuetify's own strings (date picker, pagination) follow the app's language.
  watch(
    () => i18n.global.locale.value,
    (locale) => {
      vuetify.locale.current.value = locale
      document.documentElement.lang = locale
    },
    { immediate: true },
  )
}
