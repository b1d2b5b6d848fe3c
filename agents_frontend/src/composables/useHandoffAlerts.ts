import { onBeforeUnmount, ref, watch } from 'vue'
import { storeToRefs } from 'pinia'
import { useI18n } from 'vue-i18n'
import { useInboxStore } from '@/stores/inbox'
import { beep } from '@/utils/beep'
import { leadName } from '@/utils/inbox'

/**
 * A visitor asked for a person: a chime, a message naming them (with a link to the
 * conversation), and the number waiting in the tab's title. Bound once by the shell.
 */
export function useHandoffAlerts() {
  const { t } = useI18n()
  const inbox = useInboxStore()
  const { lastHandoff, waitingCount } = storeToRefs(inbox)
  const alert = ref<{ id: string; text: string } | null>(null)
  const baseTitle = typeof document !== 'undefined' ? document.title.replace(/^\(\d+\)\s*/, '') : ''

  watch(lastHandoff, (handoff) => {
    if (!handoff) return
    // Not for a conversation the person is already answering themself.
    const row = inbox.rows[handoff.conversation.id]
    if (row?.status === 'human' && row.assignee?.id === inbox.me) return
    beep()
    alert.value = {
      id: handoff.conversation.id,
      text: t('inbox.asked', { name: leadName(handoff.conversation, t('inbox.anonymous')) }),
    }
  })

  watch(
    waitingCount,
    (n) => {
      if (typeof document !== 'undefined') document.title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle
    },
    { immediate: true },
  )
  onBeforeUnmount(() => {
    if (typeof document !== 'undefined') document.title = baseTitle
  })

  return { alert, waitingCount }
}
