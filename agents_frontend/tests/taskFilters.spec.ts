import { describe, expect, it } from 'vitest'
import { filterTasks, isOverdue, matchesDue } from '@/utils/taskFilters'
import type { TaskItem } from '@/types/pages'

function task(id: string, fields: Partial<TaskItem> = {}): TaskItem {
  return {
    id,
    title: id,
    status: 'open',
    dueDate: null,
    agentKey: null,
    contactId: null,
    sourceMessageId: null,
    source: 'manual',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...fields,
  }
}

const TODAY = '2026-12-02'

describe('task filters', () => {
  it('calls an open task past its day overdue, never a done one', () => {
    expect(isOverdue(task('a', { dueDate: '2026-12-01' }), TODAY)).toBe(true)
    expect(isOverdue(task('b', { dueDate: '2026-12-01', status: 'done' }), TODAY)).toBe(false)
    expect(isOverdue(task('c', { dueDate: TODAY }), TODAY)).toBe(false)
  })

  it('takes the next 7 days, today included, across a month end', () => {
    expect(matchesDue(task('a', { dueDate: '2026-12-08' }), 'week', TODAY)).toBe(true)
    expect(matchesDue(task('b', { dueDate: '2026-12-09' }), 'week', TODAY)).toBe(false)
    expect(matchesDue(task('c', { dueDate: '2027-01-02' }), 'week', '2026-12-30')).toBe(true)
    expect(matchesDue(task('d'), 'today', TODAY)).toBe(false)
  })

  it('combines agent, status and due date, soonest due first', () => {
    const tasks = [
      task('late', { dueDate: '2026-11-30', agentKey: 'sdr' }),
      task('none', { agentKey: 'sdr' }),
      task('soon', { dueDate: TODAY, agentKey: 'sdr' }),
      task('other', { dueDate: TODAY, agentKey: 'support' }),
      task('done', { dueDate: TODAY, agentKey: 'sdr', status: 'done' }),
    ]
    const shown = filterTasks(tasks, { agentKey: 'sdr', due: 'all', status: 'open' }, TODAY)
    expect(shown.map((t) => t.id)).toEqual(['late', 'soon', 'none'])
    expect(filterTasks(tasks, { agentKey: null, due: 'today', status: 'all' }, TODAY).map((t) => t.id)).toEqual(['soon', 'other', 'done'])
  })
})
