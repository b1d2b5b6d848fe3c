/**
 * The REST calls of the person's own pages and of the Users page. Same client as the
 * rest of the SPA (`http`: token, silent refresh, `Accept: application/json`).
 */
import { http } from '@/services/api'
import type { TokenPair } from '@/types/api'
import type {
  AdminUsageReport,
  AdminUser,
  Booking,
  BookingList,
  PasswordChange,
  TaskChanges,
  TaskInput,
  TaskItem,
  UsageReport,
} from '@/types/pages'

export const meetingsApi = {
  /** Every booking of the person, soonest first, cancelled ones included. */
  async list(): Promise<Booking[]> {
    return (await http.get<BookingList>('/calendar/events', { params: { includeCancelled: true } })).data.events
  },
  /** Frees the slot; the server posts a System message in the booking's conversation. */
  async cancel(id: string): Promise<Booking> {
    return (await http.delete<{ event: Booking }>(`/calendar/events/${encodeURIComponent(id)}`)).data.event
  },
}

export const taskListApi = {
  async list(): Promise<TaskItem[]> {
    return (await http.get<{ tasks: TaskItem[] }>('/tasks', { params: { limit: 500 } })).data.tasks
  },
  async create(body: TaskInput): Promise<TaskItem> {
    return (await http.post<TaskItem>('/tasks', body)).data
  },
  async update(id: string, body: TaskChanges): Promise<TaskItem> {
    return (await http.patch<TaskItem>(`/tasks/${encodeURIComponent(id)}`, body)).data
  },
  async remove(id: string): Promise<void> {
    await http.delete(`/tasks/${encodeURIComponent(id)}`)
  },
}

export const usageApi = {
  async mine(days: number): Promise<UsageReport> {
    return (await http.get<UsageReport>('/usage', { params: { days } })).data
  },
  /** Administrators: every user's rows (or one user's). */
  async everyone(days: number, userId?: string): Promise<AdminUsageReport> {
    const params: Record<string, string | number> = { days }
    if (userId) params.userId = userId
    return (await http.get<AdminUsageReport>('/admin/usage', { params })).data
  },
}

export const accountApi = {
  /** Every other session of the account ends; the answer is this one's new tokens. */
  async changePassword(body: PasswordChange): Promise<TokenPair> {
    return (await http.post<TokenPair>('/auth/password', body)).data
  },
  async remove(password: string): Promise<void> {
    await http.delete('/auth/me', { data: { password } })
  },
}

export const adminApi = {
  async users(): Promise<AdminUser[]> {
    return (await http.get<{ users: AdminUser[] }>('/admin/users')).data.users
  },
  async setAdmin(userId: string, admin: boolean): Promise<AdminUser> {
    return (await http.put<AdminUser>(`/admin/users/${encodeURIComponent(userId)}/admin`, { admin })).data
  },
}
