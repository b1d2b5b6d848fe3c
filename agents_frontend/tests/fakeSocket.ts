import type { ChatSocket } from '@/stores/agents'

type Listener = (...args: unknown[]) => void

/** A socket.io client stand-in: the test plays the server, emitting and answering acks. */
export class FakeSocket {
  connected = false
  private listeners = new Map<string, Listener[]>()
  /** Every emitWithAck the client made, with a way to answer or fail it. */
  sent: { event: string; payload: unknown; answer: (ack: unknown) => void; fail: (e: Error) => void }[] = []

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }

  timeout(_ms: number) {
    return {
      emitWithAck: (event: string, payload: unknown) =>
        new Promise((answer, fail) => {
          this.sent.push({ event, payload, answer, fail })
        }),
    }
  }

  /** The server pushes an event to the client. */
  serverEmit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args)
  }

  connect(): void {
    this.connected = true
    this.serverEmit('connect')
  }

  drop(): void {
    this.connected = false
    this.serverEmit('disconnect', 'transport close')
  }

  asChatSocket(): ChatSocket {
    return this as unknown as ChatSocket
  }
}

/** Lets pending promise callbacks (acks, awaited REST mocks) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await Promise.resolve()
  await new Promise((r) => setTimeout(r, 0))
}
