/**
 * The bundled emoji font (src/styles/emoji-font.css): a file the package really ships, a
 * range that covers the emoji the product shows, and none of the characters a text font
 * must draw (digits, `#`, `*`, ©, ®, ™ …: where the text font is missing they would come
 * out in emoji style).
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, test } from 'vitest'

const root = resolve(__dirname, '..')
const css = readFileSync(resolve(root, 'src/styles/emoji-font.css'), 'utf8')

function ranges(): Array<[number, number]> {
  const list = /unicode-range: ([^;]*);/.exec(css)?.[1] ?? ''
  return list.split(',').map((r) => {
    const [from = '', to] = r.trim().toLowerCase().replace('u+', '').split('-')
    return [parseInt(from, 16), parseInt(to ?? from, 16)]
  })
}

function covers(char: string): boolean {
  const point = char.codePointAt(0) ?? 0
  return ranges().some(([from, to]) => point >= from && point <= to)
}

describe('the bundled emoji font', () => {
  test('is a file of the twemoji-colr-font package, offered as woff2', () => {
    const src = /src: url\('([^']+)'\) format\('woff2'\);/.exec(css)?.[1] ?? ''
    expect(src).toBe('twemoji-colr-font/twemoji.woff2')
    expect(existsSync(resolve(root, 'node_modules', src))).toBe(true)
  })

  test('covers the emoji of the built-in agents, the templates and common replies', () => {
    for (const emoji of ['🤖', '💬', '📅', '🌻', '🚀', '✅', '🎉', '👋', '🇧🇷', '❤', '☕']) expect(covers(emoji), emoji).toBe(true)
  })

  test('leaves text characters to the text font', () => {
    for (const char of '0123456789#*©®™‼ℹ←↔aZ ') expect(covers(char), char).toBe(false)
  })

  test('comes last in the font stack, after the system emoji fonts', () => {
    const stack = readFileSync(resolve(root, 'src/styles/emoji.css'), 'utf8')
    const fonts = /--app-font-family: ([^;]*);/.exec(stack)?.[1] ?? ''
    expect(fonts.trim().endsWith("'Agents Emoji'")).toBe(true)
    expect(fonts.indexOf("'Noto Color Emoji'")).toBeLessThan(fonts.indexOf("'Agents Emoji'"))
  })
})
