/**
 * A short two-tone chime made with WebAudio (no sound file to ship). Browsers keep audio
 * silent until the person has interacted with the page; then it simply does not sound.
 */
let context: AudioContext | null = null

function audio(): AudioContext | null {
  if (typeof window === 'undefined') return null
  const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext
  if (!Ctor) return null
  try {
    context ??= new Ctor()
    return context
  } catch {
    return null
  }
}

export function beep(): void {
  const ctx = audio()
  if (!ctx) return
  void ctx.resume?.().catch(() => undefined)
  try {
    const start = ctx.currentTime + 0.01
    for (const [offset, frequency] of [
      [0, 880],
      [0.16, 1175],
    ] as const) {
      const osc = ctx.createOscillator()
      const gain = ctx.createGain()
      osc.type = 'sine'
      osc.frequency.value = frequency
      gain.gain.setValueAtTime(0.0001, start + offset)
      gain.gain.exponentialRampToValueAtTime(0.18, start + offset + 0.02)
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14)
      osc.connect(gain).connect(ctx.destination)
      osc.start(start + offset)
      osc.stop(start + offset + 0.15)
    }
    if (typeof window !== 'undefined') (window as unknown as { __beeps?: number }).__beeps = ((window as unknown as { __beeps?: number }).__beeps ?? 0) + 1
  } catch {
    // No sound this time; the badge and the message still tell.
  }
}
