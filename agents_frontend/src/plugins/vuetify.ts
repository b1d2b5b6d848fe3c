import 'vuetify/styles'
import '@/styles/theme.css'
import { createVuetify, type ThemeDefinition } from 'vuetify'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { en, pt } from 'vuetify/locale'
import { initialTheme } from './theme'

/**
 * Both themes carry the chat's own colours, read as `rgb(var(--v-theme-user-bubble))`
 * by the message bubbles: the person's, a teammate's (`human`) and System messages, and
 * `notice` for banners that ask for attention without being errors.
 */
const light: ThemeDefinition = {
  dark: false,
  // Vuetify's 0.6 puts secondary text and field labels under 4.5:1 on tinted surfaces.
  variables: { 'medium-emphasis-opacity': 0.72 },
  colors: {
    primary: '#3949ab',
    secondary: '#00796b',
    surface: '#ffffff',
    background: '#f4f5fb',
    'user-bubble': '#e3e7fb',
    'human-bubble': '#fff3e0',
    'system-bubble': '#e0f2f1',
    notice: '#ffecb3',
    // Refused or failed tool calls under a reply: quiet, yet 4.5:1 on the bubbles.
    'muted-warning': '#8a5000',
    'app-bar': '#3949ab',
  },
}

// Dark surfaces a step apart so bubbles read as bubbles; accents lightened enough for
// 4.5:1 text contrast on them (WCAG AA), which the light theme's indigo is not.
const dark: ThemeDefinition = {
  dark: true,
  colors: {
    primary: '#9fa8da',
    secondary: '#80cbc4',
    surface: '#1e1f26',
    background: '#121318',
    'user-bubble': '#2c3358',
    'human-bubble': '#4a3520',
    'system-bubble': '#1f3d3a',
    notice: '#4d3d10',
    'muted-warning': '#ffcc80',
    // A dark bar: the lightened primary would glare across the top of a dark screen.
    'app-bar': '#272a3d',
  },
}

export const vuetify = createVuetify({
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  locale: { locale: 'en', fallback: 'en', messages: { en, 'pt-BR': pt } },
  theme: { defaultTheme: initialTheme(), themes: { light, dark } },
})
