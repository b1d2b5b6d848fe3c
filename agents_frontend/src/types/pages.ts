/**
 * REST shapes of the person's own pages (My meetings, Tasks, Usage, Account) and the
 * administrators' Users page, named as the SPA uses them; generated in `wire.ts`.
 */
import type * as Wire from './wire'

export type Booking = Wire.BookedEvent
export type BookingList = Wire.BookingList
export type TaskItem = Wire.TaskPublic
export type TaskInput = Wire.TaskCreate
export type TaskChanges = Wire.TaskUpdate
export type TaskStatus = NonNullable<Wire.TaskUpdate['status']>
export type UsageRow = Wire.UsageRow
export type UsageReport = Wire.UsageReport
export type UsageTotals = Wire.UsageTotals
export type AdminUsageRow = Wire.AdminUsageRow
export type AdminUsageReport = Wire.AdminUsageReport
export type AdminUser = Wire.AdminUser
export type PasswordChange = Wire.PasswordChange
export type ScheduleCancelledEvent = Wire.ScheduleCancelledEvent
