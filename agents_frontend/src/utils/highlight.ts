/**
 * Syntax colouring for code blocks in messages, loaded on demand by utils/markdown.ts.
 * highlight.js's core with the languages people ask chat models about most (each grammar
 * costs 1-13 kB; these 18 are about 20 kB gzipped); each brings its aliases (js, ts, py,
 * sh, html, yml, …), and C is read with the C++ grammar. A fence in any other language is
 * shown as plain code: no auto-detection, which runs every grammar over the code (slow)
 * and often guesses wrong on short snippets.
 */
import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import cpp from 'highlight.js/lib/languages/cpp'
import csharp from 'highlight.js/lib/languages/csharp'
import css from 'highlight.js/lib/languages/css'
import diff from 'highlight.js/lib/languages/diff'
import go from 'highlight.js/lib/languages/go'
import java from 'highlight.js/lib/languages/java'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import markdown from 'highlight.js/lib/languages/markdown'
import plaintext from 'highlight.js/lib/languages/plaintext'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import shell from 'highlight.js/lib/languages/shell'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'

const LANGUAGES = {
  bash, cpp, csharp, css, diff, go, java, javascript, json, markdown,
  plaintext, python, rust, shell, sql, typescript, xml, yaml,
}
for (const [name, grammar] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, grammar)
hljs.registerAliases(['c', 'h'], { languageName: 'cpp' })

/** The code as highlighted HTML (highlight.js escapes it), or null for a language it does not know. */
export function highlightCode(code: string, language: string): string | null {
  if (!hljs.getLanguage(language)) return null
  return hljs.highlight(code, { language, ignoreIllegals: true }).value
}
