import { defineConfig } from 'tsup'

// The esbuild plugin as one file, with the parser-free part of core inside: Node loads each ES module a program
// imports one by one, about a millisecond apiece here, and esbuild builds in tens of milliseconds. The parser,
// the analyzer and the rewrite still come from @persist/core, loaded by a cold build only.
export default defineConfig({
  entry: ['src/esbuild.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  // After tsup.config.ts, which empties dist.
  clean: false,
  sourcemap: true,
  splitting: false,
  noExternal: ['@persist/core/lite'],
})
