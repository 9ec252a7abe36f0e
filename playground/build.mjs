// Bundles src/main.ts with esbuild and the persist plugin, the way an application would.
import { build } from 'esbuild'
import persist from '@persist/unplugin/esbuild'

await build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: 'dist/main.mjs',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
  plugins: [persist()],
})
