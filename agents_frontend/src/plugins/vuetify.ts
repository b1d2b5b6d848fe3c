import 'vuetify/styles'
import { createVuetify } from 'vuetify'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { en, pt } from 'vuetify/locale'

export const vuetify = createVuetify({
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  locale: { locale: 'en', fallback: 'en', messages: { en, 'pt-BR': pt } },
  theme: {
    defaultTheme: 'light',
    themes: {
      light: {
        colors: { primary: '#3949ab', secondary: '#00897b', surface: '#ffffff', background: '#f4f5fb' },
      },
    },
  },
})
