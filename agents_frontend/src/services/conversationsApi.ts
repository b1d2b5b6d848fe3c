import { http } from '@/services/api'
import type { ConversationList, ConversationSummary, MessageHit, MessagePage, MessageSearch } from '@/types/wire'

export type { ConversationSummary, MessageHit }

function conversationPath(agentKey: string, contactId?: string): string {
  const base = `/agents/${encodeURIComponent(agentKey)}/conversations`
  return contactId === undefined ? base : `${base}/${encodeURIComponent(contactId)}`
}

/** The person's conversations per agent (server-side, so every browser sees them) and search. */
export const conversationsApi = {
  async list(agentKey: string, query: { limit?: number; before?: string } = {}): Promise<ConversationList> {
    return (await http.get<ConversationList>(conversationPath(agentKey), { params: query })).data
  },
  async rename(agentKey: string, contactId: string, title: string): Promise<ConversationSummary> {
    return (await http.patch<ConversationSummary>(conversationPath(agentKey, contactId), { title })).data
  },
  async remove(agentKey: string, contactId: string): Promise<void> {
    await http.delete(conversationPath(agentKey, contactId))
  },
  async search(q: string, query: { agentKey?: string; limit?: number } = {}): Promise<MessageHit[]> {
    return (await http.get<MessageSearch>('/search/messages', { params: { q, ...query } })).data.results
  },
  /** A history page centred on one message (a search result opened in context). */
  async around(agentKey: string, contactId: string, messageId: string, limit: number): Promise<MessagePage> {
    const path = `${conversationPath(agentKey, contactId)}/messages`
    return (await http.get<MessagePage>(path, { params: { around: messageId, limit } })).data
  },
}
