// Types for `backend.mjs`, which Vitest's global setup imports from TypeScript.
export declare const frontendDir: string
export declare const repoDir: string
export declare const artifacts: string
export declare function freePort(): Promise<number>

export interface RunningBackend {
  url: string
  log: string[]
  stop(): Promise<void>
}

export declare function startBackend(extraEnv?: Record<string, string>, logName?: string): Promise<RunningBackend>
