import { createI18n } from 'vue-i18n'
import en from '@/locales/en'
import ptBR from '@/locales/pt-BR'

export type AppLocale = 'en' | 'pt-BR'
export const LOCALES: { value: AppLocale; title: string }[] = [
  { value: 'pt-BR', title: 'Português (Brasil)' },
  { value: 'en', title: 'English' },
]
const LOCALE_KEY = 'agents.locale'

/** The language this browser was told to show, if it ever was. */
export function savedLocale(): AppLocale | null {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(LOCALE_KEY) : null
  return saved === 'en' || saved === 'pt-BR' ? saved : null
}

/** A saved choice wins; otherwise the browser's language (pt* -> pt-BR, else English). */
export function initialLocale(): AppLocale {
  const saved = savedLocale()
  if (saved) return saved
  const languages = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : []
  return languages.some((l) => l?.toLowerCase().startsWith('pt')) ? 'pt-BR' : 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: { en, 'pt-BR': ptBR },
})

export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(LOCALE_KEY, locale)
  document.documentElement.lang = locale
}
