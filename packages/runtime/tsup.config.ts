import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/options.ts', 'src/cli.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
})
