import fs from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Options } from '../../packages/core/src/options'
import persistEsbuild from '../../packages/unplugin/src/esbuild'
import persistRolldown from '../../packages/unplugin/src/rolldown'
import persistRollup from '../../packages/unplugin/src/rollup'
import persistRspack from '../../packages/unplugin/src/rspack'
import persistVite from '../../packages/unplugin/src/vite'
import persistWebpack from '../../packages/unplugin/src/webpack'

export const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../..')

/** What a helper needs: the project root, its entry (relative to root) and where the bundle goes. */
export interface BuildInput {
  root: string
  entry: string
  outDir: string
  plugin?: Options
}

/** Node built-ins and the runtime stay imports: the output runs inside the project, where they resolve. */
const EXTERNAL = ['@persist/runtime', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]

export type Bundler = 'vite' | 'rollup' | 'esbuild' | 'webpack' | 'rspack' | 'rolldown'
export const bundlers: Bundler[] = ['vite', 'rollup', 'esbuild', 'webpack', 'rspack', 'rolldown']

/**
 * One silent production build per bundler, each an ES module `main.mjs` with an external source map in
 * `outDir`. Returns the path of the bundle.
 */
export const build: Record<Bundler, (input: BuildInput) => Promise<string>> = {
  async vite({ root, entry, outDir, plugin }) {
    const { build: viteBuild } = await import('vite')
    await viteBuild({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [persistVite(plugin)],
      build: {
        ssr: path.join(root, entry),
        outDir,
        emptyOutDir: true,
        sourcemap: true,
        minify: false,
        rolldownOptions: { output: { format: 'es', entryFileNames: 'main.mjs' } },
      },
    })
    return path.join(outDir, 'main.mjs')
  },

  async rollup({ root, entry, outDir, plugin }) {
    const { rollup } = await import('rollup')
    const { default: esbuild } = await import('rollup-plugin-esbuild')
    const bundle = await rollup({
      input: path.join(root, entry),
      external: EXTERNAL,
      onwarn: () => {},
      plugins: [persistRollup({ root, ...plugin }), esbuild({ target: 'node20', sourceMap: true })],
    })
    await bundle.write({ dir: outDir, format: 'es', sourcemap: true, entryFileNames: 'main.mjs' })
    await bundle.close()
    return path.join(outDir, 'main.mjs')
  },

  async esbuild({ root, entry, outDir, plugin }) {
    const esbuild = await import('esbuild')
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: [path.join(root, entry)],
      outfile: path.join(outDir, 'main.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      external: ['@persist/runtime'],
      logLevel: 'silent',
      plugins: [persistEsbuild(plugin)],
    })
    return path.join(outDir, 'main.mjs')
  },

  async rolldown({ root, entry, outDir, plugin }) {
    const { rolldown } = await import('rolldown')
    const bundle = await rolldown({
      cwd: root,
      input: path.join(root, entry),
      platform: 'node',
      external: EXTERNAL,
      logLevel: 'silent',
      plugins: [persistRolldown(plugin)],
    })
    await bundle.write({ dir: outDir, format: 'es', sourcemap: true, entryFileNames: 'main.mjs' })
    await bundle.close()
    return path.join(outDir, 'main.mjs')
  },

  async webpack(input) {
    await runCompiler(await webpackCompiler(input))
    return path.join(input.outDir, 'main.mjs')
  },

  async rspack(input) {
    await runCompiler(await rspackCompiler(input))
    return path.join(input.outDir, 'main.mjs')
  },
}

/** A webpack compiler for `input` (TypeScript through esbuild-loader), for a build or a watch. */
export async function webpackCompiler({ root, entry, outDir, plugin }: BuildInput): Promise<CompilerLike> {
  const { default: webpack } = await import('webpack')
  return webpack({
    ...webpackLikeConfig(root, entry, outDir),
    experiments: { outputModule: true },
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
    module: { rules: [{ test: /\.ts$/, loader: createRequire(import.meta.url).resolve('esbuild-loader'), options: { loader: 'ts', target: 'node20' } }] },
    plugins: [persistWebpack(plugin)],
  }) as unknown as CompilerLike
}

/** An rspack compiler for `input` (TypeScript through its builtin swc-loader), for a build or a watch. */
export async function rspackCompiler({ root, entry, outDir, plugin }: BuildInput): Promise<CompilerLike> {
  const { rspack } = await import('@rspack/core')
  return rspack({
    ...webpackLikeConfig(root, entry, outDir),
    resolve: { extensions: ['.ts', '.js'] },
    module: {
      rules: [
        {
          test: /\.ts$/,
          loader: 'builtin:swc-loader',
          options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } },
        },
      ],
    },
    plugins: [persistRspack(plugin)],
  }) as unknown as CompilerLike
}

/** What webpack and rspack builds share: a Node ESM library with source maps, the runtime left external. */
function webpackLikeConfig(root: string, entry: string, outDir: string) {
  return {
    context: root,
    mode: 'production' as const,
    target: 'node20' as const,
    devtool: 'source-map' as const,
    entry: path.join(root, entry),
    optimization: { minimize: false },
    output: { path: outDir, filename: 'main.mjs', module: true, chunkFormat: 'module' as const, library: { type: 'module' as const } },
    externalsType: 'module' as const,
    externals: ['@persist/runtime'],
    externalsPresets: { node: true },
    infrastructureLogging: { level: 'none' as const },
    stats: 'none' as const,
  }
}

type CompilerCallback = (error: Error | null, stats?: { hasErrors(): boolean; toString(options?: unknown): string }) => void

/** What webpack's and rspack's compilers share, as the tests use them. */
export interface CompilerLike {
  run(callback: CompilerCallback): void
  watch(options: { aggregateTimeout?: number }, callback: CompilerCallback): { close(callback: () => void): void }
  close(callback: (error?: Error | null) => void): void
}

function runCompiler(compiler: CompilerLike): Promise<void> {
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => {
        if (error) reject(error)
        else if (stats?.hasErrors()) reject(new Error(stats.toString({ all: false, errors: true })))
        else resolve()
      })
    })
  })
}

/**
 * Makes `@persist/runtime` resolvable from a fixture project (as it is in a user's project), by linking the
 * workspace package into the fixture's node_modules.
 */
export function linkRuntime(projectRoot: string): void {
  const link = path.join(projectRoot, 'node_modules', '@persist', 'runtime')
  if (fs.existsSync(link)) return
  fs.mkdirSync(path.dirname(link), { recursive: true })
  fs.symlinkSync(path.join(repoRoot, 'packages', 'runtime'), link, 'dir')
}
