import { ref, watch } from 'vue'
import type { ThemeInstance } from 'vuetify'

/** What the person chose in the app bar; `system` follows `prefers-color-scheme`. */
export type ThemeChoice = 'light' | 'dark' | 'system'
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark']

const STORAGE_KEY = 'agents.theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

function storedChoice(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY)
    return value === 'light' || value === 'dark' ? value : 'system'
  } catch {
    return 'system' // storage blocked (privacy settings): follow the system
  }
}

function systemPrefersDark(): boolean {
  return typeof window !== 'undefined' && !!window.matchMedia?.(DARK_QUERY).matches
}

function resolve(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice
  return systemPrefersDark() ? 'dark' : 'light'
}

/** The person's choice, shared by the app bar's switch and the theme that follows it. */
export const themeChoice = ref<ThemeChoice>(storedChoice())

/** The theme to start in, so the first paint is already the right one (no flash). */
export function initialTheme(): 'light' | 'dark' {
  return resolve(themeChoice.value)
}

export function chooseTheme(choice: ThemeChoice): void {
  themeChoice.value = choice
  try {
    if (choice === 'system') localStorage.removeItem(STORAGE_KEY)
    else localStorage.setItem(STORAGE_KEY, choice)
  } catch {
    // Not remembered across visits, still applied now.
  }
}

/**
 * Keeps Vuetify's theme on the person's choice, and on the system's while the choice is
 * `system` (live: switching the OS to dark at dusk switches the open app too).
 */
export function followThemeChoice(theme: ThemeInstance): void {
  const apply = () => {
    const name = resolve(themeChoice.value)
    theme.change(name)
    document.documentElement.style.colorScheme = name // native scrollbars and inputs
  }
  watch(themeChoice, apply, { immediate: true })
  window.matchMedia?.(DARK_QUERY).addEventListener?.('change', () => {
    if (themeChoice.value === 'system') apply()
  })
  // Another tab changed the choice: this one follows.
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY || event.key === null) themeChoice.value = storedChoice()
  })
}
