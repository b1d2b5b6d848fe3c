/**
 * The SPA's locale check: both languages have every key (vue-tsc also refuses a pt-BR file
 * that is not `typeof en`), each text asks for the same placeholders, and every task
 * status the server can send has a label.
 */
import { describe, expect, it } from 'vitest'
import en from '@/locales/en'
import ptBR from '@/locales/pt-BR'

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') flat.set(prefix + key, value)
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) flat.set(k, v)
  }
  return flat
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

function missingKeys(have: Map<string, string>, want: Map<string, string>): string[] {
  return [...want.keys()].filter((key) => !have.has(key)).sort()
}

describe('locales', () => {
  const english = flatten(en as Tree)
  const portuguese = flatten(ptBR as Tree)

  it('notices a key one language lacks', () => {
    const a = new Map([['chat.send', 'Send'], ['chat.retry', 'Retry']])
    const b = new Map([['chat.send', 'Enviar']])
    expect(missingKeys(b, a)).toEqual(['chat.retry'])
  })

  it('has every key in both languages', () => {
    expect(missingKeys(portuguese, english)).toEqual([])
    expect(missingKeys(english, portuguese)).toEqual([])
  })

  it('asks for the same placeholders in both languages', () => {
    const differing = [...english].filter(
      ([key, text]) => placeholders(text).join() !== placeholders(portuguese.get(key) ?? '').join(),
    )
    expect(differing).toEqual([])
  })

  it('labels every task status', () => {
    for (const status of ['open', 'done', 'cancelled']) {
      expect(english.get(`tasks.status.${status}`)).toBeTruthy()
      expect(portuguese.get(`tasks.status.${status}`)).toBeTruthy()
    }
  })
})
