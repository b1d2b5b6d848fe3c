/**
 * The page a visitor chats on: the share link (`/c/{slug}`, full page) and the widget's
 * panel (the same page in an iframe, `?embed=1&host=…`). Its own small app: no router, no
 * account, no stores of the signed-in SPA.
 */
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import VisitorApp from './VisitorApp.vue'
import { connectToWidget, takeHandedToken } from './embed'
import { createVisitorI18n } from './i18n'
import { readParams } from './params'
import { createVisitorSocket } from './socket'
import { useVisitorStatusStore } from './status'
import { useVisitorStore } from './store'
import { createVisitorVuetify } from './vuetify'
import './fonts.css'

const params = readParams(window.location, navigator.languages ?? [navigator.language])
document.documentElement.lang = params.language
const pinia = createPinia()
const app = createApp(VisitorApp, { embedded: params.embedded && !!params.host })
app.use(pinia).use(createVisitorI18n(params.language)).use(createVisitorVuetify(params.language, params.color))
app.mount('#app')

const store = useVisitorStore(pinia)
const socket = createVisitorSocket(window.location.origin)
useVisitorStatusStore(pinia).attach(socket)
store.start(socket, {
  slug: params.slug,
  language: params.language,
  host: params.host,
  visible: !params.embedded,
  handedToken: params.embedded ? takeHandedToken() : null,
})
if (params.embedded && params.host) {
  connectToWidget(store, params.host, (visible) => {
    if (visible) document.querySelector<HTMLElement>('[data-test="visitor-composer"] textarea')?.focus()
  })
}
