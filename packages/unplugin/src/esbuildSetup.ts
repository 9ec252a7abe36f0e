import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ANNOTATION_RE, type Diagnostic, PersistBuildError, isIncluded } from '@persist/core'
import type { Loader, PartialMessage, PluginBuild } from 'esbuild'
import type { PersistContext } from './context'

const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' }

/**
 * A native esbuild `onLoad`, instead of unplugin's generic adapter which loads every module in JS: files without
 * `@persist` return `undefined` right after a read, so esbuild handles them as if the plugin were not there.
 */
export function setupEsbuild(ctx: PersistContext, build: PluginBuild): void {
  ctx.setBundlerRoot(build.initialOptions.absWorkingDir)
  const options = ctx.initialOptions
  // esbuild filters are Go regexps: pass the default include only, test the user's patterns in JS.
  const filter = /\.[cm]?[jt]sx?$/
  build.onLoad({ filter, namespace: 'file' }, (args) => {
    if (!isIncluded(args.path, options)) return undefined
    // Synchronous: an async read costs more than the whole check on a typical module.
    const code = readFileSync(args.path, 'utf8')
    if (!ANNOTATION_RE.test(code)) return undefined
    try {
      const result = ctx.transform(code, args.path)
      if (!result) return undefined
      return {
        contents: `${result.code}\n//# sourceMappingURL=${result.map.toUrl()}`,
        loader: LOADERS[path.extname(args.path)] ?? 'js',
        resolveDir: path.dirname(args.path),
        watchFiles: result.watchFiles,
        warnings: result.warnings.map(toEsbuildMessage),
      }
    } catch (error) {
      if (error instanceof PersistBuildError) return { errors: error.diagnostics.map(toEsbuildMessage) }
      throw error
    }
  })
  build.onEnd((result) => {
    const warning = ctx.finish()
    if (warning) result.warnings.push({ id: '', pluginName: 'persist', text: warning, location: null, notes: [], detail: undefined })
  })
}

/** esbuild draws the location and its source line itself, so the text is the bare message. */
function toEsbuildMessage(d: Diagnostic): PartialMessage {
  return {
    text: d.message,
    location: { file: d.file, line: d.line, column: d.column - 1, lineText: lineTextOf(d.file, d.line) },
  }
}

function lineTextOf(file: string, line: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n')[line - 1] ?? ''
  } catch {
    return ''
  }
}
