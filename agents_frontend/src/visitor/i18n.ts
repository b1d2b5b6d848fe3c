import { createI18n } from 'vue-i18n'
import en from '@/locales/en'
import ptBR from '@/locales/pt-BR'
import type { VisitorLanguage } from './params'

/** Only what the visitor page shows (its own texts, and the chat's, for the shared bubbles). */
function visitorTexts(texts: typeof en) {
  return { chat: texts.chat, visitor: texts.visitor, errors: texts.errors, slots: texts.slots }
}

export function createVisitorI18n(locale: VisitorLanguage) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en: visitorTexts(en), 'pt-BR': visitorTexts(ptBR) },
  })
}
