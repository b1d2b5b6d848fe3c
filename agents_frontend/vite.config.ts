/// <reference types="vitest/config" />
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import vuetify from 'vite-plugin-vuetify'
import { defineConfig, transformWithEsbuild, type Plugin } from 'vite'

/**
 * `public/widget.js` runs on other people's sites: it is copied to dist/ as written, then
 * minified in place (no bundling: it imports nothing and stays one classic script).
 */
function minifyWidget(): Plugin {
  let file = ''
  return {
    name: 'minify-widget',
    apply: 'build',
    configResolved(config) {
      file = resolve(config.root, config.build.outDir, 'widget.js')
    },
    async closeBundle() {
      const source = await readFile(file, 'utf8')
      const { code } = await transformWithEsbuild(source, 'widget.js', { minify: true, target: 'es2020', legalComments: 'none' })
      await writeFile(file, code)
    },
  }
}

export default defineConfig({
  plugins: [vue(), vuetify({ autoImport: true }), minifyWidget()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    chunkSizeWarningLimit: 1200,
    // The signed-in SPA, and the page visitors chat on (`/c/{slug}`, also the widget's
    // panel): its own entry, so it loads no router, auth or stores of the SPA.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        visitor: fileURLToPath(new URL('./visitor.html', import.meta.url)),
      },
    },
  },
  server: { port: 5173 },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.spec.ts'],
    // One real backend for the run (tests/support/globalSetup.ts); files share it, so
    // they run one after another on a small machine.
    globalSetup: ['tests/support/globalSetup.ts'],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 120_000,
    server: { deps: { inline: ['vuetify'] } },
  },
})
