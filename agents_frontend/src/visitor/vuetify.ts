import 'vuetify/styles'
import { createVuetify } from 'vuetify'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { en, pt } from 'vuetify/locale'
import type { VisitorLanguage } from './params'

/** The product's look, with the embedding site's accent when it gave one. */
export function createVisitorVuetify(locale: VisitorLanguage, primary: string | null) {
  return createVuetify({
    icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
    locale: { locale, fallback: 'en', messages: { en, 'pt-BR': pt } },
    theme: {
      defaultTheme: 'light',
      themes: {
        light: {
          // The panel stays light: it sits inside the owner's site, tinted with its accent.
          // The chat colours are the SPA's light ones (the panel reuses its bubbles).
          colors: {
            primary: primary ?? '#3949ab',
            secondary: '#00796b',
            surface: '#ffffff',
            background: '#f4f5fb',
            'user-bubble': '#e3e7fb',
            'human-bubble': '#fff3e0',
            'system-bubble': '#e0f2f1',
            notice: '#ffecb3',
          },
        },
      },
    },
  })
}
