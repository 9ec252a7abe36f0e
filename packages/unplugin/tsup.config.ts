import { defineConfig } from 'tsup'

export default defineConfig({
  // The esbuild entry is built on its own (tsup.esbuild.config.ts).
  entry: ['src/index.ts', 'src/vite.ts', 'src/rollup.ts', 'src/webpack.ts', 'src/rspack.ts', 'src/rolldown.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
})
