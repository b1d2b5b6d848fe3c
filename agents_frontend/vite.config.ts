/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import vuetify from 'vite-plugin-vuetify'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [vue(), vuetify({ autoImport: true })],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: { chunkSizeWarningLimit: 1200 },
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
