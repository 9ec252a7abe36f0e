import { defineConfig } from 'tsup'

export default defineConfig({
  // `lite`: the parser-free part a plugin loads first (see src/lite.ts); shared code goes to common chunks.
  entry: ['src/index.ts', 'src/lite.ts'],
  // A few pure validation helpers from the runtime, inlined: a plugin's start pays for every module it loads.
  noExternal: ['@persist/runtime/options'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
})
