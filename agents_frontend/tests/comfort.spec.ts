import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { firstBookableDay, isBookableDay, isoWeekday } from '@/utils/bookingDays'
import { useBookingStore } from '@/stores/booking'
import type { ShowSlotPickerEvent } from '@/types/events'

const WEEKDAYS = { workingDays: [1, 2, 3, 4, 5], lastDay: '2026-12-31' }

describe('the days a slot picker offers', () => {
  it('names ISO weekdays whatever the browser time zone', () => {
    expect(isoWeekday('2026-12-07')).toBe(1) // a Monday
    expect(isoWeekday('2026-12-12')).toBe(6)
    expect(isoWeekday('2026-12-13')).toBe(7)
  })

  it('offers working days only, up to the last bookable day', () => {
    expect(isBookableDay('2026-12-11', WEEKDAYS)).toBe(true) // Friday
    expect(isBookableDay('2026-12-12', WEEKDAYS)).toBe(false) // Saturday
    expect(isBookableDay('2027-01-04', WEEKDAYS)).toBe(false) // a Monday past the horizon
    // Not known yet: every day, the server decides.
    expect(isBookableDay('2026-12-12', { workingDays: null, lastDay: null })).toBe(true)
  })

  it('moves a weekend start to the next working day', () => {
    expect(firstBookableDay('2026-12-12', WEEKDAYS)).toBe('2026-12-14')
    expect(firstBookableDay('2026-12-31', { workingDays: [1], lastDay: null })).toBe('2027-01-04')
    expect(firstBookableDay('2026-12-10', WEEKDAYS)).toBe('2026-12-10')
  })
})

describe('the slot picker remembers a conversation', () => {
  beforeEach(() => setActivePinia(createPinia()))

  const offer = (overrides: Partial<ShowSlotPickerEvent> = {}): ShowSlotPickerEvent =>
    ({
      agentKey: 'sdr',
      contactId: 'ana',
      messageId: 'm1',
      email: 'ana@example.com',
      phone: null,
      customerEmail: 'ana@example.com',
      customerPhone: null,
      suggestedDate: '2026-12-14',
      suggestedTime: '15:00',
      ...overrides,
    }) as ShowSlotPickerEvent

  it('reopens the last offer, with what the person typed kept over what the chat said', () => {
    const booking = useBookingStore()
    expect(booking.offered('sdr', 'ana')).toBe(false)
    booking.remember(offer())
    expect(booking.offered('sdr', 'ana')).toBe(true)
    booking.contactOf('sdr', 'ana').email = 'typed@example.com'
    booking.remember(offer({ messageId: 'm2', email: 'other@example.com' }))
    expect(booking.requestFor('sdr', 'ana').messageId).toBe('m2')
    expect(booking.contactOf('sdr', 'ana').email).toBe('typed@example.com')
    // Another conversation is its own.
    expect(booking.contactOf('sdr', 'bruno').email).toBe('')
  })

  it('opens a fresh picker where the agent never offered one, with the contact known', () => {
    const booking = useBookingStore()
    booking.contactOf('sdr', 'ana').phone = '+5511912345678'
    const request = booking.requestFor('sdr', 'ana')
    expect(request).toMatchObject({ agentKey: 'sdr', contactId: 'ana', suggestedDate: null, phone: '+5511912345678' })
    expect(request.customerPhone).toBe('+5511912345678') // the original design's name too
  })
})
