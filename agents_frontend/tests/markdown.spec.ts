/**
 * The agent's replies as Markdown: what the reader sees (elements, highlighted code), what
 * must never happen (raw HTML or a `javascript:` link from the model becoming live), and
 * the streaming renderer giving exactly the page a whole render gives, at every step.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { highlighterReady, isSafeHref, loadHighlighter, MarkdownStream, markdownPlainText, renderMarkdown } from '@/utils/markdown'

const LABELS = { copyCode: 'Copy code' }

test('code is uncoloured until highlight.js is loaded, and the stream asks for it', async () => {
  expect(highlighterReady()).toBe(false)
  const stream = new MarkdownStream(LABELS)
  const [before] = stream.render('```js\nconst a = 1\n```')
  expect(stream.wantsHighlighter).toBe(true)
  expect(before?.html).toContain('<code class="hljs">const a = 1')
  await loadHighlighter()
  const [after] = stream.render('```js\nconst a = 1\n```')
  expect(after?.html).toContain('<span class="hljs-keyword">const</span>')
  expect(stream.wantsHighlighter).toBe(false)
})

function dom(html: string): HTMLElement {
  const root = document.createElement('div')
  root.innerHTML = html
  return root
}

const RICH = [
  '## Plano de ação',
  '',
  'Isto é **importante** e _urgente_, veja `config.yaml`.',
  '',
  '1. Primeiro passo',
  '2. Segundo passo',
  '   - detalhe',
  '',
  '| Item | Preço |',
  '| --- | ---: |',
  '| Plano A | R$ 10 |',
  '',
  '```python',
  'def total(items):',
  '    # soma tudo',
  '    return sum(i.price for i in items)',
  '',
  '',
  'print(total([]))',
  '```',
  '',
  '> Nota: veja https://example.com/um/caminho/muito/longo?com=parametros&e=mais',
  '',
  '- a',
  '',
  '- b',
  '',
  'Fim.',
].join('\n')

describe('a reply rendered as Markdown', () => {
  beforeAll(loadHighlighter)

  test('emphasis, lists, tables, links and highlighted code become elements', () => {
    const root = dom(renderMarkdown(RICH, LABELS))
    expect(root.querySelector('h2')?.textContent).toBe('Plano de ação')
    expect(root.querySelector('strong')?.textContent).toBe('importante')
    expect(root.querySelector('em')?.textContent).toBe('urgente')
    expect(root.querySelector('p > code')?.textContent).toBe('config.yaml')
    expect([...root.querySelectorAll('ol > li')].length).toBe(2)
    expect(root.querySelector('ol li ul li')?.textContent).toBe('detalhe')
    expect(root.querySelector('table td')?.textContent).toBe('Plano A')
    const code = root.querySelector('pre code.hljs.language-python')
    expect(code?.querySelector('.hljs-keyword')?.textContent).toBe('def')
    expect(code?.querySelector('.hljs-comment')?.textContent).toBe('# soma tudo')
    expect(code?.textContent).toContain('return sum(i.price for i in items)')
    const copy = root.querySelector('.md-code button[data-md-copy]')
    expect(copy?.getAttribute('aria-label')).toBe('Copy code')
    expect(copy?.textContent).toBe('')
    const link = root.querySelector('blockquote a')
    expect(link?.getAttribute('href')).toBe('https://example.com/um/caminho/muito/longo?com=parametros&e=mais')
  })

  test('every link opens in a new tab without handing the page over', () => {
    const root = dom(renderMarkdown('[docs](https://docs.example.com) e https://example.org/a e <https://x.example>'))
    const links = [...root.querySelectorAll('a')]
    expect(links.length).toBe(3)
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank')
      expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    }
  })

  test('raw HTML from the model or the person is shown as text, never as elements', () => {
    const source = 'Olha: <img src=x onerror=alert(1)> e <script>alert(2)</script>\n\n<div onclick="x()">bloco</div>\n\n<svg onload=alert(3)>'
    const html = renderMarkdown(source)
    const root = dom(html)
    expect(root.querySelectorAll('img, script, svg, div').length).toBe(0)
    expect(root.textContent).toContain('<img src=x onerror=alert(1)>')
    expect(root.textContent).toContain('<script>alert(2)</script>')
    expect(html).not.toMatch(/<(img|script|svg|div)\b/)
  })

  test.each([
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](  javascript:alert(1))',
    '[x](<java\tscript:alert(1)>)',
    '[x](&#106;avascript:alert(1))',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html;base64,PHNjcmlwdD4=)',
    '[x](file:///etc/passwd)',
    '<javascript:alert(1)>',
    '![x](javascript:alert(1))',
    '[x][r]\n\n[r]: javascript:alert(1)',
  ])('%s carries no dangerous link', (source) => {
    const root = dom(renderMarkdown(source))
    for (const a of root.querySelectorAll('a')) {
      const href = a.getAttribute('href') ?? ''
      expect(href).not.toMatch(/^\s*(javascript|vbscript|data|file):/i)
      expect(isSafeHref(href)).toBe(true)
    }
    expect(root.querySelectorAll('img').length).toBe(0)
  })

  test('images are links, not pictures the browser fetches on its own', () => {
    const root = dom(renderMarkdown('![gráfico](https://tracker.example/p.png?q=segredo)'))
    expect(root.querySelectorAll('img').length).toBe(0)
    expect(root.querySelector('a')?.getAttribute('href')).toBe('https://tracker.example/p.png?q=segredo')
  })

  test('the link check allows the web, mail, phone and relative links only', () => {
    for (const ok of ['https://a.b', 'http://a.b/c:d', 'mailto:a@b.c', 'tel:+5511999', '/tasks', '#top', 'docs/a:b']) expect(isSafeHref(ok), ok).toBe(true)
    for (const bad of ['javascript:x', ' javascript:x', 'java\nscript:x', '\u0001javascript:x', 'data:image/png;base64,AA', 'ftp://x', 'chrome://settings'])
      expect(isSafeHref(bad), bad).toBe(false)
  })

  test('the text content of a rendered reply is the reply, without extra line breaks', () => {
    expect(dom(renderMarkdown('Olá! Sou o assistente.')).textContent).toBe('Olá! Sou o assistente.')
    expect(dom(renderMarkdown('uma\nduas')).textContent).toBe('uma\nduas')
  })

  test('an unclosed code fence (a reply still arriving) is a code block', () => {
    const root = dom(renderMarkdown('Veja:\n\n```js\nconst a = 1\nconst b = '))
    expect(root.querySelector('pre code.language-js')?.textContent).toBe('const a = 1\nconst b = ')
  })
})

/** The stream's chunks as one page, without the caret. */
function joined(stream: MarkdownStream, text: string): string {
  return stream
    .render(text, false)
    .map((c) => c.html)
    .join('')
}

describe('a streamed reply rendered chunk by chunk', () => {
  beforeAll(loadHighlighter)

  test('equals the whole render at every length, growing one character at a time', () => {
    const stream = new MarkdownStream(LABELS)
    for (let end = 0; end <= RICH.length; end++) {
      const text = RICH.slice(0, end)
      expect(joined(stream, text), `after ${end} characters`).toBe(renderMarkdown(text, LABELS))
    }
  })

  test('equals the whole render when it grows by uneven pieces, and after a reset', () => {
    const text = `${RICH}\n\n${RICH.replace('python', 'ts')}\n\n1. um\n\n2. dois\n\n    código indentado\n\nfim`
    for (const step of [3, 7, 16, 41]) {
      const stream = new MarkdownStream(LABELS)
      for (let end = 0; end < text.length + step; end += step) {
        const part = text.slice(0, end)
        expect(joined(stream, part), `step ${step}, ${end} characters`).toBe(renderMarkdown(part, LABELS))
      }
      // A different text (a regenerated reply) starts over.
      expect(joined(stream, 'outra **coisa**')).toBe(renderMarkdown('outra **coisa**', LABELS))
    }
  })

  test('a reference definition arriving late still turns the earlier link into a link', () => {
    const text = 'Veja [o guia][g].\n\nMais texto.\n\n[g]: https://guia.example\n'
    const stream = new MarkdownStream()
    for (let end = 0; end <= text.length; end++) expect(joined(stream, text.slice(0, end))).toBe(renderMarkdown(text.slice(0, end)))
    expect(dom(joined(stream, text)).querySelector('a')?.getAttribute('href')).toBe('https://guia.example')
  })

  test('finished blocks are not parsed again: a 10 kB reply re-parses only its tail', () => {
    let reply = ''
    for (let i = 1; reply.length < 10_000; i++) {
      reply += `### Parte ${i}\n\nTexto com **negrito** e um [link](https://example.com/${i}).\n\n- item\n- outro\n\n\`\`\`js\nconst n = ${i} // comentário\n\`\`\`\n\n`
    }
    const stream = new MarkdownStream(LABELS)
    const deltas: number[] = []
    let parsed = 0
    const started = performance.now()
    for (let end = 40; end <= reply.length; end += 40) {
      const t0 = performance.now()
      stream.render(reply.slice(0, end), true)
      deltas.push(performance.now() - t0)
      parsed = Math.max(parsed, stream.lastParsed)
    }
    const total = performance.now() - started
    for (let i = 0; i < 5; i++) renderMarkdown(reply, LABELS)
    const t0 = performance.now()
    for (let i = 0; i < 20; i++) renderMarkdown(reply, LABELS)
    const whole = (performance.now() - t0) / 20
    deltas.sort((a, b) => a - b)
    const median = deltas[Math.floor(deltas.length / 2)] ?? 0
    const p95 = deltas[Math.floor(deltas.length * 0.95)] ?? 0
    console.info(
      `markdown: ${reply.length} chars; whole render ${whole.toFixed(2)} ms; streamed in ${deltas.length} deltas of 40 chars: ` +
        `median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms per delta (total ${total.toFixed(0)} ms); longest tail parsed ${parsed} chars`,
    )
    expect(parsed).toBeLessThan(400)
    expect(joined(stream, reply)).toBe(renderMarkdown(reply, LABELS))
  })

  test('while streaming, the caret sits at the end of the text, inside the last paragraph', () => {
    const [tail] = new MarkdownStream().render('Olá, **mundo**', true)
    expect(tail?.html).toBe('<p>Olá, <strong>mundo</strong><span class="md-caret" aria-hidden="true">▍</span></p>')
  })
})

describe('a reply as plain text (the conversation list preview)', () => {
  test('reads as its words, without Markdown markers, and never as HTML', () => {
    const text = markdownPlainText('## Plano da semana\n\nAqui está o **resumo** com `codigo`:\n\n- um\n- [dois](https://x.y)\n\n<b>x</b>')
    expect(text).toBe('Plano da semana Aqui está o resumo com codigo: um dois <b>x</b>')
  })
})
