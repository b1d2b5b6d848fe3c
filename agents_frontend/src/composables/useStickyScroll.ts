import { nextTick, ref, watch, type Ref } from 'vue'

const BOTTOM_SLACK = 80

/**
 * A message list that follows new content only for someone already at its bottom: a
 * reader scrolled up keeps their place and is offered a "new messages" jump instead.
 * `tail` changes whenever content is added at the end (a message, a delta, typing...).
 */
export function useStickyScroll(scroller: Ref<HTMLElement | null>, tail: Ref<string>) {
  const atBottom = ref(true)
  const unseen = ref(false)

  function measure(): void {
    const el = scroller.value
    if (!el) return
    atBottom.value = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK
    if (atBottom.value) unseen.value = false
  }

  function scrollToBottom(): void {
    const el = scroller.value
    if (!el) return
    el.scrollTop = el.scrollHeight
    atBottom.value = true
    unseen.value = false
  }

  watch(tail, async () => {
    // Where the reader is now, before the new content lands (this watcher runs before the
    // DOM update): a scroll they just made may not have fired its `scroll` event yet.
    measure()
    const follow = atBottom.value
    await nextTick()
    if (follow) scrollToBottom()
    else unseen.value = true
  })

  return { atBottom, unseen, measure, scrollToBottom }
}
