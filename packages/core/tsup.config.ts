import { defineConfig } from 'tsup'

export default defineConfig({
  // `lite`: the parser-free part a plugin loads first (see src/lite.ts); shared code goes to common chunks.
  entry: ['src/index.ts', 'src/lite.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
})
