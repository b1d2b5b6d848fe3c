// Rendered replies (issue 16, part 1) in Chromium: the model's Markdown, streamed in small
// pieces by the local OpenAI-compatible server, becomes headings, lists, a table and
// highlighted code with a copy button; raw HTML and a `javascript:` link in a reply run
// nothing; the person's own `**x**` stays as typed; a long URL and a long code line fit a
// phone. The website's share link (the widget's panel) renders the agent's reply the same.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, openAgent, sendMessage, shot, signUp, startBackend, startModelServer, uniqueEmail } from './harness.mjs'

const TIMEOUT = 30_000
const LONG_URL = 'https://example.com/relatorios/2026/trimestre-3/vendas-por-regiao-e-produto?formato=completo&incluir=graficos,tabelas,anexos&moeda=BRL'
const CODE = [
  'def total(itens):',
  '    # soma o preço de cada item',
  '    return sum(item.preco * item.quantidade for item in itens if item.ativo and item.preco > 0)  # uma linha longa',
  '',
  'print(total([]))',
].join('\n')
const RICH = [
  '## Plano da semana',
  '',
  'Aqui está o **resumo** com _três_ pontos e um `comando`:',
  '',
  '1. Revisar a proposta',
  '2. Enviar o contrato',
  '3. Agendar a reunião',
  '',
  '- item com detalhe',
  '- outro item',
  '',
  '| Produto | Preço | Prazo |',
  '| --- | ---: | --- |',
  '| Plano Básico | R$ 49 | 7 dias |',
  '| Plano Pro | R$ 149 | 3 dias |',
  '',
  '```python',
  CODE,
  '```',
  '',
  `Relatório completo: ${LONG_URL}`,
  '',
  'Emoji: 🚀 ✅ 🎉',
].join('\n')
const HOSTILE = [
  'Veja isto: <img src=x onerror="window.__pwned=1"> e <script>window.__pwned=3</script>',
  '',
  '[click](javascript:window.__pwned=2)',
  '',
  'E [aqui](https://example.com/seguro).',
].join('\n')

/** A reply in pieces of a few characters, as a model streams it. */
function pieces(text, size = 9) {
  const out = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

const FINISHED = '[data-test="message-agent"][data-status="sent"]'
let model
let backend
let browser

before(async () => {
  model = await startModelServer({
    script: (text) => (/html/i.test(text) ? pieces(HOSTILE, 12) : /markdown|plano|plan/i.test(text) ? pieces(RICH) : ['Olá! ', 'Como ', 'posso ', 'ajudar?']),
    delayMs: 25,
  })
  backend = await startBackend({ OPENAI_API_KEY: 'x', OPENAI_BASE_URL: model.url }, 'markdown')
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  await model?.stop()
})

async function newPage(options = {}) {
  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 800 }, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  return { context, page }
}

/** Records, while a reply streams, whether its bubble ever held an open code block. */
async function watchStreaming(page) {
  await page.evaluate(() => {
    window.__sawStreamingCode = false
    window.__streamStates = 0
    new MutationObserver(() => {
      const el = document.querySelector('[data-test="message-agent"][data-status="streaming"] [data-test="message-text"]')
      if (!el) return
      window.__streamStates += 1
      if (el.querySelector('pre code.hljs')) window.__sawStreamingCode = true
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

async function richConversation(page, url, message) {
  await signUp(page, url)
  await page.goto(`${url}/chat/support/default`)
  await page.getByTestId('composer').locator('textarea').first().waitFor()
  await watchStreaming(page)
  await sendMessage(page, message)
  await page.locator(FINISHED).last().waitFor()
  return page.locator(FINISHED).last()
}

describe('a reply written in Markdown', () => {
  test('streams in pieces and renders as elements, code highlighted, with no raw markers', async () => {
    const { context, page } = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] })
    const bubble = await richConversation(page, backend.url, 'Me mostre o plano em **markdown**')
    const text = bubble.getByTestId('message-text')

    assert.equal(await text.locator('h2').innerText(), 'Plano da semana')
    assert.equal(await text.locator('strong').first().innerText(), 'resumo')
    assert.equal(await text.locator('em').first().innerText(), 'três')
    assert.equal(await text.locator('ol > li').count(), 3)
    assert.equal(await text.locator('ul > li').count(), 2)
    assert.equal(await text.locator('table tbody tr').count(), 2)
    const code = text.locator('pre code.hljs.language-python')
    assert.equal(await code.locator('.hljs-keyword').first().innerText(), 'def')
    assert.ok((await code.locator('[class^="hljs-"]').count()) >= 4, 'the code is coloured token by token')
    const link = text.locator(`a[href="${LONG_URL}"]`)
    assert.equal(await link.getAttribute('target'), '_blank')
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer')
    const shown = await text.innerText()
    for (const marker of ['##', '**', '```', '| ---']) assert.ok(!shown.includes(marker), `no raw "${marker}" in the bubble`)
    const mono = await code.evaluate((el) => getComputedStyle(el).fontFamily)
    assert.match(mono, /monospace/)

    assert.ok(await page.evaluate(() => window.__streamStates) >= 5, 'the reply grew in the bubble piece by piece')
    assert.ok(await page.evaluate(() => window.__sawStreamingCode), 'an open code fence mid-stream was already a code block')

    // The person's own message is plain text: their asterisks stay asterisks.
    const mine = page.locator('[data-test="message-user"] [data-test="message-text"]').last()
    assert.equal((await mine.innerText()).trim(), 'Me mostre o plano em **markdown**')
    assert.equal(await mine.locator('strong').count(), 0)

    // The code block's copy button puts exactly the code on the clipboard, and says so.
    const copyCode = text.locator('.md-code button[data-md-copy]')
    assert.equal(await copyCode.getAttribute('aria-label'), 'Copiar código')
    await copyCode.click()
    await page.waitForFunction(() => document.querySelector('.md-code button[data-copied]'))
    assert.equal(await copyCode.getAttribute('data-copied'), 'Copiado')
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${CODE}\n`)

    // The bubble's own copy button (shown on hover) copies the reply as written.
    await bubble.locator('.bubble').hover()
    await bubble.getByTestId('message-copy').click()
    await bubble.getByTestId('message-copied').waitFor()
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), RICH)
    await page.mouse.move(0, 0)
    await shot(page, '160-markdown-reply-desktop-pt')
    await context.close()
  })

  test('raw HTML and a javascript: link in a reply run nothing and show as text', async () => {
    const { context, page } = await newPage()
    const dialogs = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    const bubble = await richConversation(page, backend.url, 'mostre html')
    const text = bubble.getByTestId('message-text')
    assert.equal(await text.locator('img, script').count(), 0, 'no element from the reply’s HTML')
    const shown = await text.innerText()
    assert.ok(shown.includes('<img src=x onerror="window.__pwned=1">'), `the tag shows as text: ${shown}`)
    assert.ok(shown.includes('<script>window.__pwned=3</script>'))
    assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0, 'no javascript: link anywhere')
    assert.equal(await text.locator('a[href="https://example.com/seguro"]').count(), 1, 'the safe link is a link')
    // What was written as a link is text; clicking it does nothing.
    await text.getByText('javascript:window.__pwned=2', { exact: false }).click()
    assert.equal(await page.evaluate(() => window.__pwned), undefined)
    assert.deepEqual(dialogs, [])
    await context.close()
  })

  const VIEWS = [
    { name: 'phone-en', options: { locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
    { name: 'phone-pt', options: { locale: 'pt-BR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
    { name: 'desktop-en', options: { locale: 'en-US' } },
    { name: 'phone-pt-dark', options: { locale: 'pt-BR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'dark' } },
    { name: 'desktop-en-dark', options: { locale: 'en-US', colorScheme: 'dark' } },
  ]
  for (const view of VIEWS) test(`a rich reply fits the screen: long URL and code line stay inside the bubble (${view.name})`, async () => {
    const { context, page } = await newPage(view.options)
    const bubble = await richConversation(page, backend.url, 'plan in markdown please')
    const width = view.options.viewport?.width ?? 1280
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'nothing wider than the screen')
    const box = await bubble.locator('.bubble').boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= width, `the bubble is on screen (${box.x}+${box.width})`)
    // The long code line scrolls inside its block; the table scrolls inside its own box.
    const pre = await bubble.locator('pre').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }))
    if (width < 500) assert.ok(pre.scroll > pre.client, 'the code block scrolls sideways on a phone')
    const linkBox = await bubble.locator(`a[href="${LONG_URL}"]`).boundingBox()
    assert.ok(linkBox.x + linkBox.width <= box.x + box.width + 1, 'the long URL wraps inside the bubble')
    if (view.options.hasTouch) {
      // On a touch screen a tap on the bubble shows its actions.
      await bubble.getByTestId('message-text').locator('h2').tap()
      await page.waitForFunction(() => {
        const bar = [...document.querySelectorAll('[data-test="message-agent"] [data-test="message-actions"]')].pop()
        return bar && getComputedStyle(bar).opacity === '1'
      })
    }
    await bubble.locator('h2').scrollIntoViewIfNeeded()
    await shot(page, `161-markdown-reply-${view.name}`)
    await bubble.locator('pre').scrollIntoViewIfNeeded()
    await shot(page, `162-markdown-code-${view.name}`)
    await bubble.locator('p').last().scrollIntoViewIfNeeded()
    await shot(page, `164-markdown-end-${view.name}`)
    await context.close()
  })
})

describe('the share link (the widget’s panel) renders the agent’s Markdown too', () => {
  test('a visitor sees the rich reply rendered; their own text stays plain', { timeout: 90_000 }, async () => {
    const email = uniqueEmail()
    const register = await fetch(`${backend.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dona Flor', email, password: 'correct-horse-9', preferredLanguage: 'pt-BR' }),
    })
    assert.equal(register.status, 201)
    const token = (await register.json()).access_token
    const api = async (method, path, body) => {
      const res = await fetch(`${backend.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      })
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`)
      return res.json()
    }
    const { bot } = await api('POST', '/custom-bots', { name: 'Flora', emoji: '🌻', prompt: 'Você é a Flora, assistente da loja.', specialties: ['vendas'] })
    const publication = await api('PUT', `/custom-bots/${bot.key}/public`, {
      enabled: true,
      allowedOrigins: ['http://localhost:9'],
      greeting: 'Olá! Sou a **Flora** 🌻',
    })
    const { context, page } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    await page.goto(publication.url)
    await page.getByTestId('visitor-greeting').waitFor()
    assert.equal(await page.getByTestId('visitor-greeting').locator('strong').innerText(), 'Flora')
    const box = page.getByTestId('visitor-composer').locator('textarea').first()
    await box.fill('Qual é o **plano**?')
    await box.press('Enter')
    const reply = page.locator('[data-test="message-agent"][data-status="sent"]:not([data-id=""])').last()
    await reply.waitFor()
    assert.equal(await reply.locator('ol > li').count(), 3)
    assert.ok((await reply.locator('pre code.hljs [class^="hljs-"]').count()) >= 4)
    assert.equal(await reply.locator('table').count(), 1)
    const mine = page.locator('[data-test="message-user"] [data-test="message-text"]').last()
    assert.equal((await mine.innerText()).trim(), 'Qual é o **plano**?')
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'nothing wider than the screen')
    await reply.locator('h2').scrollIntoViewIfNeeded()
    await shot(page, '163-markdown-share-link-phone-pt')
    await context.close()
  })
})


describe('emoji', () => {
  test('the bundled emoji font is on the page and Chromium draws its emoji in colour', async () => {
    const { context, page } = await newPage()
    await page.goto(`${backend.url}/login`)
    const drawn = await page.evaluate(async () => {
      const declared = [...document.fonts].some((face) => face.family.replace(/["']/g, '') === 'Agents Emoji')
      await document.fonts.load('48px "Agents Emoji"', '🚀')
      const canvas = document.createElement('canvas')
      canvas.width = canvas.height = 64
      const ctx = canvas.getContext('2d')
      ctx.font = '48px "Agents Emoji"'
      ctx.textBaseline = 'top'
      ctx.fillText('🚀', 4, 4)
      const data = ctx.getImageData(0, 0, 64, 64).data
      let coloured = 0
      for (let i = 0; i < data.length; i += 4) {
        const spread = Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2])
        if (data[i + 3] > 0 && spread > 40) coloured += 1
      }
      return { declared, coloured }
    })
    assert.ok(drawn.declared, 'the page declares the bundled emoji face')
    assert.ok(drawn.coloured > 100, `a colour glyph, not a blank or a box: ${drawn.coloured} coloured pixels`)
    await context.close()
  })
})
