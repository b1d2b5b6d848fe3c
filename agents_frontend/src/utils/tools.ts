/**
 * How the agent's tool calls read to a person: the status line while a call runs, and
 * the captions under a stored reply. Plain functions of the translator, so the chat, the
 * visitor panel and the tests word them the same way.
 */
import type { ToolCallRecord, ToolName } from '@/types/events'

type Translate = (key: string, values?: Record<string, unknown>) => string
type Exists = (key: string) => boolean

/** The refusal code of a call the run stopped (too many rounds): said once, not per tool. */
export const TOOL_LIMIT = 'tool_limit'

export interface ToolCaption {
  text: string
  /** Refused or failed: shown in a muted warning colour. */
  problem: boolean
}

/** "Checking availability…" for a call under way. */
export function runningText(t: Translate, tool: ToolName): string {
  return t(`chat.tools.running.${tool}`)
}

/** One stored call: "Checked availability", "Not booked: e-mail not given in the chat". */
export function toolCaption(t: Translate, te: Exists, call: ToolCallRecord): ToolCaption {
  if (call.outcome === 'ok') return { text: t(`chat.tools.done.${call.name}`), problem: false }
  if (call.code === TOOL_LIMIT) return { text: t('chat.tools.limit'), problem: true }
  const what = t(`chat.tools.notDone.${call.name}`)
  const reason = call.code ? `chat.tools.reasons.${call.code}` : null
  // A code this client has no words for still says what was not done.
  const text = reason && te(reason) ? t('chat.tools.because', { what, why: t(reason) }) : what
  return { text, problem: true }
}

/** A reply's captions in call order, each said once (two availability checks read as one). */
export function toolCaptions(t: Translate, te: Exists, calls: readonly ToolCallRecord[] | undefined): ToolCaption[] {
  const seen = new Set<string>()
  const captions: ToolCaption[] = []
  for (const call of calls ?? []) {
    const caption = toolCaption(t, te, call)
    if (seen.has(caption.text)) continue
    seen.add(caption.text)
    captions.push(caption)
  }
  return captions
}
