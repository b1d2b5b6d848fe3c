/** REST shapes, mirroring `agents_backend/models.py` and the routers' responses. */

export interface UserPublic {
  id: string
  email: string
  name: string
  role: string
  created_at: string
}

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: string
  /** Access-token lifetime in seconds. */
  expires_in: number
  user: UserPublic
}

export interface AgentPublic {
  key: string
  name: string
  emoji: string
  description: string
  specialties: string[]
  model: string | null
  temperature: number
  schedulingEnabled: boolean
  builtin: boolean
  /** This user's auto-create switch for the agent (`agent_settings`). */
  autoCreate: boolean
}

export interface AgentList {
  agents: AgentPublic[]
  offline: boolean
}

export interface MessagePage<M> {
  messages: M[]
  hasMore: boolean
}

export interface AvailableSlot {
  start: string
  end: string
  startIso: string
  endIso: string
}

export interface AvailableSlots {
  available_slots: AvailableSlot[]
  /** The calendar's time zone: `start`/`end` are wall-clock times there. */
  timezone: string
  calendar: string
}

/** `BotPublic` (camelCase): the stored OpenAI key never comes back, only `hasOpenaiKey`. */
export interface CustomBot {
  key: string
  name: string
  emoji: string
  description: string
  prompt: string
  specialties: string[]
  model: string | null
  temperature: number
  schedulingEnabled: boolean
  hasOpenaiKey: boolean
  openaiAccount: string | null
  created_at?: string | null
  updated_at?: string | null
}

/** `BotCreate` / `BotUpdate`: the public fields a person edits (read-only ones are a 422
 * if sent back), plus the key; no `openaiApiKey` means "keep the stored one". */
export type CustomBotInput = Omit<
  CustomBot,
  'key' | 'hasOpenaiKey' | 'openaiAccount' | 'created_at' | 'updated_at'
> & { openaiApiKey?: string }

/** `BotTemplatePublic`: a starting point that pre-fills a new bot. */
export interface BotTemplate {
  id: string
  name: string
  emoji: string
  description: string
  prompt: string
  specialties: string[]
  temperature: number
  schedulingEnabled: boolean
}
