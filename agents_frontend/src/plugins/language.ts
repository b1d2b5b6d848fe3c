/**
 * The language follows the person, not the browser: switching it here is saved on their
 * account, so the server writes errors, System messages, built-in agents and templates in
 * it on every device; a browser that never chose one takes the account's at sign-in.
 */
import { ref, watch } from 'vue'
import type { Pinia } from 'pinia'
import { i18n, savedLocale, setLocale, type AppLocale } from '@/plugins/i18n'
import { authApi } from '@/services/api'
import { useAuthStore } from '@/stores/auth'
import { useCatalogueStore } from '@/stores/catalogue'

/**
 * The language the server now writes this person's texts in: it follows the switch once
 * the account has it, so a view that reloads on it never races the save.
 */
export const serverLanguage = ref<AppLocale>(i18n.global.locale.value as AppLocale)

export function followLanguage(pinia: Pinia): void {
  const auth = useAuthStore(pinia)
  const catalogue = useCatalogueStore(pinia)

  async function saveOnAccount(locale: AppLocale): Promise<void> {
    if (!auth.isAuthenticated || auth.user?.preferredLanguage === locale) return
    try {
      auth.updateUser(await authApi.updateMe({ preferredLanguage: locale }))
    } catch {
      // Kept in this browser; the next switch or sign-in tries again.
    }
  }

  watch(
    () => auth.user?.id ?? null,
    (id) => {
      if (!id) return
      const account = auth.user?.preferredLanguage
      if (!savedLocale() && account) setLocale(account)
      else void saveOnAccount(i18n.global.locale.value as AppLocale)
    },
    { immediate: true },
  )
  watch(
    () => i18n.global.locale.value as AppLocale,
    async (locale) => {
      await saveOnAccount(locale)
      serverLanguage.value = locale
      // Built-in agents' descriptions and specialties are written in the new language.
      if (auth.isAuthenticated && catalogue.agents.length) await catalogue.loadAgents()
    },
  )
}
