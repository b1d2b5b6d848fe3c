/** Which days a slot picker offers: the agent's working weekdays up to the last
 * bookable day. Unknown days (`workingDays` null) are all allowed: the server decides. */
export interface OfferedDays {
  workingDays: number[] | null
  lastDay: string | null
}

/** ISO weekday (1 = Monday ... 7 = Sunday) of a `YYYY-MM-DD` calendar day. */
export function isoWeekday(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number)
  const weekday = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay()
  return weekday === 0 ? 7 : weekday
}

export function isBookableDay(iso: string, days: OfferedDays): boolean {
  if (days.lastDay && iso > days.lastDay) return false
  return !days.workingDays || days.workingDays.includes(isoWeekday(iso))
}

function nextDay(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number)
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1)).toISOString().slice(0, 10)
}

/** The first bookable day from `from` on (itself included); `from` when none in a fortnight. */
export function firstBookableDay(from: string, days: OfferedDays): string {
  let day = from
  for (let n = 0; n < 14; n += 1, day = nextDay(day)) {
    if (isBookableDay(day, days)) return day
  }
  return from
}
