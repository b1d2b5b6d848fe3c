import { computed } from 'vue'
import { storeToRefs } from 'pinia'
import { useI18n } from 'vue-i18n'
import { mdiAccountClockOutline, mdiCheckCircleOutline, mdiFaceAgent, mdiRobotOutline } from '@mdi/js'
import { useInboxStore } from '@/stores/inbox'
import type { ConversationStatus, InboxListItem } from '@/types/api'
import { leadName } from '@/utils/inbox'

/** How each status looks, wherever one is shown (list, header, filters). */
export const STATUS_LOOK: Record<ConversationStatus, { color: string; icon: string }> = {
  bot: { color: 'primary', icon: mdiRobotOutline },
  waiting: { color: 'warning', icon: mdiAccountClockOutline },
  human: { color: 'success', icon: mdiFaceAgent },
  closed: { color: 'grey', icon: mdiCheckCircleOutline },
}

/** The inbox's words for a row: who, its status, who holds it, whose team it is. */
export function useInboxLabels() {
  const { t } = useI18n()
  const inbox = useInboxStore()
  const { workspaces, me } = storeToRefs(inbox)

  /** Rows name their team only when the person works in more than one. */
  const manyTeams = computed(() => workspaces.value.length > 1)

  function who(row: Pick<InboxListItem, 'contact'>): string {
    return leadName(row, t('inbox.anonymous'))
  }

  function statusText(status: ConversationStatus): string {
    return t(`inbox.status.${status}`)
  }

  /** "You" for the caller, else the teammate's name. */
  function assigneeText(row: Pick<InboxListItem, 'assignee'>): string {
    if (!row.assignee) return ''
    return row.assignee.id === me.value ? t('inbox.you') : row.assignee.name
  }

  function statusLong(row: Pick<InboxListItem, 'status' | 'assignee'>): string {
    if (row.status === 'human' && row.assignee?.id === me.value) return t('inbox.heldByYou')
    return t(`inbox.statusLong.${row.status}`, { name: row.assignee?.name ?? '' })
  }

  function teamText(workspaceId: string): string {
    const workspace = workspaces.value.find((w) => w.id === workspaceId)
    if (!workspace) return ''
    return workspace.id === me.value ? t('inbox.yourTeam') : t('inbox.teamOf', { name: workspace.ownerName })
  }

  return { manyTeams, who, statusText, assigneeText, statusLong, teamText }
}
