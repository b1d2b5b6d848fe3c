import { defineStore } from 'pinia'
import { ref } from 'vue'
import { errorMessage } from '@/services/api'
import { taskListApi } from '@/services/pagesApi'
import { socket } from '@/socket'
import type { TaskChanges, TaskInput, TaskItem } from '@/types/pages'

/**
 * Every task of the person (the Tasks page): written by hand, or auto-created from a
 * conversation or a booked meeting (those arrive live as `agent:task-created`).
 */
export const useTaskListStore = defineStore('taskList', () => {
  const tasks = ref<TaskItem[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  const saving = ref(false)
  const error = ref<string | null>(null)

  function upsert(task: TaskItem): void {
    const index = tasks.value.findIndex((t) => t.id === task.id)
    if (index >= 0) tasks.value.splice(index, 1, task)
    else tasks.value.unshift(task)
  }

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      tasks.value = await taskListApi.list()
      loaded.value = true
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  async function run<T>(action: () => Promise<T>): Promise<T | null> {
    saving.value = true
    error.value = null
    try {
      return await action()
    } catch (e) {
      error.value = errorMessage(e)
      return null
    } finally {
      saving.value = false
    }
  }

  async function create(input: TaskInput): Promise<TaskItem | null> {
    const task = await run(() => taskListApi.create(input))
    if (task) upsert(task)
    return task
  }

  async function update(id: string, changes: TaskChanges): Promise<TaskItem | null> {
    const task = await run(() => taskListApi.update(id, changes))
    if (task) upsert(task)
    return task
  }

  /** Gone from the list at once; put back if the server refuses. */
  async function remove(id: string): Promise<boolean> {
    const index = tasks.value.findIndex((t) => t.id === id)
    const removed = index >= 0 ? tasks.value.splice(index, 1)[0] : undefined
    const done = await run(async () => {
      await taskListApi.remove(id)
      return true
    })
    if (!done && removed) tasks.value.splice(index, 0, removed)
    return done === true
  }

  socket.on('agent:task-created', (event) => {
    if (loaded.value) upsert(event.task as TaskItem)
  })

  return { tasks, loading, loaded, saving, error, load, create, update, remove }
})
