import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios'
import type {
  AgentList,
  AvailableSlots,
  BookingDays,
  BotModels,
  BotTemplate,
  CustomBot,
  CustomBotInput,
  GoogleCalendarDisconnected,
  GoogleCalendarStatus,
  ConversationStatus,
  HumanMessageIn,
  InboxConversationDetail,
  InboxConversationList,
  InboxListItem,
  InboxMessagePage,
  Member,
  MemberInvite,
  MessagePage,
  Publication,
  PublicationInput,
  ProfileUpdate,
  TokenPair,
  UserCreate,
  UserPublic,
  Workspace,
} from '@/types/api'
import type { AgentMessageEvent, Task } from '@/types/events'
import type { WebhookCreated, WebhookDelivery, WebhookEndpoint, WebhookInput } from '@/types/api'
import { i18n } from '@/plugins/i18n'

/** `VITE_API_URL` when the SPA is served apart from the API; else the page's own origin. */
export function apiBaseUrl(): string {
  const configured = import.meta.env.VITE_API_URL
  if (configured) return configured.replace(/\/+$/, '')
  return typeof window === 'undefined' ? 'http://localhost:3000' : window.location.origin
}

/** How the client reaches the session without importing the store (no import cycle). */
export interface AuthHooks {
  accessToken: () => string | null
  /** Resolves to a fresh access token, or null when the session is over. */
  refresh: () => Promise<string | null>
}

let hooks: AuthHooks = { accessToken: () => null, refresh: async () => null }

export function configureAuth(next: AuthHooks): void {
  hooks = next
}

export const http: AxiosInstance = axios.create({ baseURL: apiBaseUrl(), timeout: 20000 })

type RetriableConfig = InternalAxiosRequestConfig & { _retried?: boolean; _public?: boolean }

http.interceptors.request.use((config: RetriableConfig) => {
  // The server writes its answers (errors, built-in agents, templates) in this language
  // unless the account chose one; the browser's own header may say another.
  config.headers.set('Accept-Language', i18n.global.locale.value)
  const token = hooks.accessToken()
  if (token && !config._public) config.headers.set('Authorization', `Bearer ${token}`)
  return config
})

http.interceptors.response.use(undefined, async (error: AxiosError) => {
  const config = error.config as RetriableConfig | undefined
  // One silent refresh per request: an expired access token should not show as an error.
  if (error.response?.status === 401 && config && !config._retried && !config._public) {
    config._retried = true
    const token = await hooks.refresh()
    if (token) {
      config.headers.set('Authorization', `Bearer ${token}`)
      return http.request(config)
    }
  }
  throw error
})

/** The server's `detail` (string or validation list) as one readable line. */
export function errorMessage(error: unknown): string {
  if (error instanceof AxiosError) {
    const detail: unknown = error.response?.data?.detail
    if (typeof detail === 'string') return detail
    if (Array.isArray(detail)) {
      return detail
        .map((item: { msg?: string; loc?: unknown[] }) =>
          [item.loc?.slice(1).join('.'), item.msg].filter(Boolean).join(': '),
        )
        .join('; ')
    }
    if (!error.response) return 'network'
    return error.message
  }
  return error instanceof Error ? error.message : String(error)
}

const publicRequest = { _public: true } as Record<string, unknown>

export const authApi = {
  async register(body: UserCreate): Promise<TokenPair> {
    return (await http.post<TokenPair>('/auth/register', body, publicRequest)).data
  },
  async login(body: { email: string; password: string }): Promise<TokenPair> {
    return (await http.post<TokenPair>('/auth/login', body, publicRequest)).data
  },
  async refresh(refreshToken: string): Promise<TokenPair> {
    const body = { refresh_token: refreshToken }
    return (await http.post<TokenPair>('/auth/refresh', body, publicRequest)).data
  },
  async logout(refreshToken: string): Promise<void> {
    await http.post('/auth/logout', { refresh_token: refreshToken }, publicRequest)
  },
  async me(): Promise<UserPublic> {
    return (await http.get<UserPublic>('/auth/me')).data
  },
  async updateMe(body: ProfileUpdate): Promise<UserPublic> {
    return (await http.patch<UserPublic>('/auth/me', body)).data
  },
}

export interface HistoryQuery {
  limit?: number
  before?: string
  after?: string
}

export const agentsApi = {
  async list(): Promise<AgentList> {
    return (await http.get<AgentList>('/agents')).data
  },
  async history(
    agentKey: string,
    contactId: string,
    query: HistoryQuery,
  ): Promise<MessagePage> {
    const path = `/agents/${encodeURIComponent(agentKey)}/conversations/${encodeURIComponent(contactId)}/messages`
    return (await http.get<MessagePage>(path, { params: query })).data
  },
}

export const calendarApi = {
  async availableSlots(date: string, agentKey?: string, durationMinutes = 60): Promise<AvailableSlots> {
    const params: Record<string, string | number> = { date, duration_minutes: durationMinutes }
    if (agentKey) params.agentKey = agentKey
    return (await http.get<AvailableSlots>('/calendar/available-slots', { params })).data
  },
  /** The days a picker may offer (working weekdays, up to the last bookable day). */
  async bookingDays(agentKey?: string): Promise<BookingDays> {
    const params = agentKey ? { agentKey } : {}
    return (await http.get<BookingDays>('/calendar/booking-days', { params })).data
  },
}

/** The signed-in owner's own Google Calendar: status, consent URL, disconnect. */
export const googleCalendarApi = {
  async status(): Promise<GoogleCalendarStatus> {
    return (await http.get<GoogleCalendarStatus>('/calendar/google')).data
  },
  /** Google's consent page for this owner (valid 10 minutes, once). */
  async connect(): Promise<string> {
    return (await http.post<{ authorizationUrl: string }>('/calendar/google/connect')).data.authorizationUrl
  },
  async disconnect(): Promise<GoogleCalendarDisconnected> {
    return (await http.delete<GoogleCalendarDisconnected>('/calendar/google')).data
  },
}

function unwrapBot(data: unknown): CustomBot {
  const wrapped = data as { bot?: CustomBot } | null
  return wrapped?.bot ?? (data as CustomBot)
}

function unwrapList<T>(data: unknown, field: string): T[] {
  if (Array.isArray(data)) return data as T[]
  const value = (data as Record<string, unknown> | null)?.[field]
  return Array.isArray(value) ? (value as T[]) : []
}

export const customBotsApi = {
  async list(): Promise<CustomBot[]> {
    return unwrapList<CustomBot>((await http.get('/custom-bots')).data, 'bots')
  },
  async templates(): Promise<BotTemplate[]> {
    return unwrapList<BotTemplate>((await http.get('/custom-bots/templates')).data, 'templates')
  },
  /** The models a bot may use (the form's list) and the server's default. */
  async models(): Promise<BotModels> {
    return (await http.get<BotModels>('/custom-bots/models')).data
  },
  async create(input: CustomBotInput): Promise<CustomBot> {
    return unwrapBot((await http.post('/custom-bots', input)).data)
  },
  async update(key: string, input: CustomBotInput): Promise<CustomBot> {
    return unwrapBot((await http.put(`/custom-bots/${encodeURIComponent(key)}`, input)).data)
  },
  async remove(key: string): Promise<void> {
    await http.delete(`/custom-bots/${encodeURIComponent(key)}`)
  },
  async clone(key: string, overrides: Partial<CustomBotInput> = {}): Promise<CustomBot> {
    const path = `/custom-bots/${encodeURIComponent(key)}/clone`
    return unwrapBot((await http.post(path, overrides)).data)
  },
}

export const tasksApi = {
  async list(params: { agentKey?: string; contactId?: string } = {}): Promise<Task[]> {
    return unwrapList<Task>((await http.get('/tasks', { params })).data, 'tasks')
  },
}

/** A bot's publication to website visitors: its share link and widget snippet. */
export const publicationApi = {
  async get(key: string): Promise<Publication> {
    return (await http.get<Publication>(`/custom-bots/${encodeURIComponent(key)}/public`)).data
  },
  async put(key: string, body: PublicationInput): Promise<Publication> {
    return (await http.put<Publication>(`/custom-bots/${encodeURIComponent(key)}/public`, body)).data
  },
}

/** Which conversations `GET /inbox/conversations` lists (unset: every one the caller may see). */
export interface InboxQuery {
  workspace?: string
  status?: ConversationStatus
  agentKey?: string
  q?: string
  limit?: number
}

function inboxPath(id: string, action = ''): string {
  return `/inbox/conversations/${encodeURIComponent(id)}${action ? `/${action}` : ''}`
}

/** The visitor conversations of every workspace the caller works in, and acting on one. */
export const inboxApi = {
  async list(query: InboxQuery = {}): Promise<InboxListItem[]> {
    const params = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''))
    return (await http.get<InboxConversationList>('/inbox/conversations', { params })).data.conversations ?? []
  },
  async detail(id: string): Promise<InboxConversationDetail> {
    return (await http.get<InboxConversationDetail>(inboxPath(id))).data
  },
  async messages(id: string, query: { before?: string; limit?: number } = {}): Promise<InboxMessagePage> {
    return (await http.get<InboxMessagePage>(inboxPath(id, 'messages'), { params: query })).data
  },
  /** `take` | `hand-back` | `close`: the row as it stands after. */
  async act(id: string, action: 'take' | 'hand-back' | 'close'): Promise<InboxListItem> {
    return (await http.post<InboxListItem>(inboxPath(id, action))).data
  },
  /** A message to the visitor, as the caller (only while they hold the conversation). */
  async send(id: string, body: HumanMessageIn): Promise<AgentMessageEvent> {
    return (await http.post<AgentMessageEvent>(inboxPath(id, 'messages'), body)).data
  },
  async markRead(id: string): Promise<void> {
    await http.post(inboxPath(id, 'read'))
  },
}

/** The workspaces the caller works in (their own first) and each one's teammates. */
export const workspacesApi = {
  async list(): Promise<Workspace[]> {
    return (await http.get<{ workspaces: Workspace[] }>('/workspaces')).data.workspaces ?? []
  },
  async members(workspaceId: string): Promise<Member[]> {
    const path = `/workspaces/${encodeURIComponent(workspaceId)}/members`
    return (await http.get<{ members: Member[] }>(path)).data.members ?? []
  },
  async invite(workspaceId: string, body: MemberInvite): Promise<Member> {
    return (await http.post<Member>(`/workspaces/${encodeURIComponent(workspaceId)}/members`, body)).data
  },
  /** An owner removes a teammate; a teammate removes themself (leaves). */
  async remove(workspaceId: string, memberId: string): Promise<void> {
    await http.delete(`/workspaces/${encodeURIComponent(workspaceId)}/members/${encodeURIComponent(memberId)}`)
  },
}

/** A workspace's signed webhooks (owners only): endpoints, delivery logs, resends. */
export const webhooksApi = {
  async list(workspace: string): Promise<WebhookEndpoint[]> {
    return (await http.get<{ webhooks: WebhookEndpoint[] }>('/webhooks', { params: { workspace } })).data.webhooks ?? []
  },
  async create(body: WebhookInput): Promise<WebhookCreated> {
    return (await http.post<WebhookCreated>('/webhooks', body)).data
  },
  async remove(id: string): Promise<void> {
    await http.delete(`/webhooks/${encodeURIComponent(id)}`)
  },
  /** Newest first. */
  async deliveries(id: string, limit = 50): Promise<WebhookDelivery[]> {
    const path = `/webhooks/${encodeURIComponent(id)}/deliveries`
    return (await http.get<{ deliveries: WebhookDelivery[] }>(path, { params: { limit } })).data.deliveries ?? []
  },
  /** The same event (same id, same body) again, as soon as it may go. */
  async resend(id: string, deliveryId: string): Promise<WebhookDelivery> {
    const path = `/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/resend`
    return (await http.post<WebhookDelivery>(path)).data
  },
}

/** The stable `code` of a REST error body, when there is one. */
export function errorCode(error: unknown): string | null {
  if (!(error instanceof AxiosError)) return null
  const code: unknown = error.response?.data?.code
  return typeof code === 'string' ? code : null
}
