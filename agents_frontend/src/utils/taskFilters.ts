/** Which tasks the Tasks page shows: by agent, due date and status (plain functions). */
import type { TaskItem } from '@/types/pages'

export type DueFilter = 'all' | 'overdue' | 'today' | 'week'
export type StatusFilter = 'open' | 'done' | 'cancelled' | 'all'

export interface TaskFilter {
  agentKey: string | null
  due: DueFilter
  status: StatusFilter
}

function addDays(day: string, days: number): string {
  const moment = new Date(`${day}T00:00:00Z`)
  moment.setUTCDate(moment.getUTCDate() + days)
  return moment.toISOString().slice(0, 10)
}

/** An open task whose due day has passed. */
export function isOverdue(task: TaskItem, today: string): boolean {
  return task.status === 'open' && task.dueDate !== null && task.dueDate < today
}

export function matchesDue(task: TaskItem, due: DueFilter, today: string): boolean {
  if (due === 'all') return true
  if (task.dueDate === null) return false
  if (due === 'overdue') return isOverdue(task, today)
  if (due === 'today') return task.dueDate === today
  return task.dueDate >= today && task.dueDate <= addDays(today, 6)
}

/** Filtered, then soonest due first (no due date last), newest first among equals. */
export function filterTasks(tasks: TaskItem[], filter: TaskFilter, today: string): TaskItem[] {
  return tasks
    .filter((t) => filter.status === 'all' || t.status === filter.status)
    .filter((t) => filter.agentKey === null || t.agentKey === filter.agentKey)
    .filter((t) => matchesDue(t, filter.due, today))
    .sort((a, b) => {
      const due = (a.dueDate ?? '9999-12-31').localeCompare(b.dueDate ?? '9999-12-31')
      return due !== 0 ? due : b.createdAt.localeCompare(a.createdAt)
    })
}
