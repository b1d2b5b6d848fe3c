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
          colors: { primary: primary ?? '#3949ab', secondary: '#00897b', surface: '#ffffff', background: '#f4f5fb' },
        },
      },
    },
  })
}
