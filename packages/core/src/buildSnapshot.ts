import fs from 'node:fs'
import path from 'node:path'
import corePackage from '../package.json' with { type: 'json' }
import { readCacheFile, writeCacheFile } from './analysis/diskCache'
import { observedLongAfter } from './analysis/racy'
import { tsconfigChain } from './analysis/tsconfigChain'
import { codeFingerprint, dependencyVersions } from './codeFingerprint'

/** Bumped whenever what a snapshot holds changes. */
const SNAPSHOT_FORMAT = 1
/** Snapshots kept, one per distinct build (options, entry points): the most recently saved first. */
const MAX_SNAPSHOTS = 16
/** Files next to a module that decide how its imports resolve, whose edits leave the directory's mtime alone. */
const RESOLUTION_CONFIGS = ['package.json', 'tsconfig.json', 'jsconfig.json']

/** What `fs.Stats` says of a file's identity and last change: equal stats mean "not touched since". */
type StatSignature = [size: number, mtimeMs: number, ctimeMs: number, ino: number]

/** One build, as far as it decides what the next identical build would do. */
interface Snapshot<Answer> {
  /** When the build started: every stat below was taken after it, and trusted only for files older than it. */
  startedAt: number
  /** Every module the bundler loaded. */
  modules: Array<[file: string, stat: StatSignature]>
  /**
   * Every other file the answers or the resolution of imports depend on: package.json and tsconfig files, what
   * tsconfigs extend, and each file the analysis read; null: the file did not exist.
   */
  files: Array<[file: string, stat: StatSignature | null]>
  /** Directories whose listings decide which files imports resolve to, with their mtimes (-1: absent). */
  dirs: Array<[dir: string, mtimeMs: number]>
  /** What the plugin answered for each module it rewrote. */
  answers: Array<[module: string, answer: Answer]>
  /** The manifest as the build left it; a build answered from the snapshot need not write it again. */
  manifest: [file: string, stat: StatSignature | null] | undefined
}

type SnapshotFile = Map<string, Snapshot<unknown>>

const isSnapshotFile = (v: unknown): v is SnapshotFile => v instanceof Map

/** What a build answered from a snapshot uses. */
export interface RecalledBuild<Answer> {
  /** The answer for each module to rewrite; no other module needs the plugin. */
  answers: Map<string, Answer>
  /** Whether the manifest on disk is the one the snapshot's build left. */
  manifestCurrent: boolean
}

/** What a rewritten module's answer depends on besides the module itself (from the analysis behind it). */
export interface AnswerDependencies {
  files: string[]
  dirs: string[]
}

const signatureOf = (stat: fs.Stats): StatSignature => [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino]

const statOrNull = (file: string): StatSignature | null => {
  const stat = fs.statSync(file, { throwIfNoEntry: false })
  return stat ? signatureOf(stat) : null
}

/**
 * Whether `file` still has `signature` (null: still does not exist), and was last modified long enough before
 * `startedAt` to be sure of it.
 */
function isUnchanged(file: string, signature: StatSignature | null, startedAt: number): boolean {
  const stat = fs.statSync(file, { throwIfNoEntry: false })
  if (!signature) return !stat
  return (
    !!stat &&
    stat.size === signature[0] &&
    stat.mtimeMs === signature[1] &&
    stat.ctimeMs === signature[2] &&
    stat.ino === signature[3] &&
    observedLongAfter(stat.mtimeMs, startedAt)
  )
}

/**
 * Snapshots of builds, one per build key (the bundler's options and the plugin's): every module the build loaded,
 * every file and directory listing that decided how imports resolved and what the analysis read, and what the
 * plugin answered for each module it rewrote. While stats show all of it unchanged, the next build with the same
 * key loads the same modules and gets the same answers: no module without `@persist` can have gained one, and no
 * import can reach a module the snapshot does not list. A bundler whose filter is a path pattern (esbuild) then
 * asks about the rewritten modules alone, and they are answered without the output cache or the analysis.
 * Kept in `<analysisCache>/builds.bin` (nothing is kept when `analysisCache` is `false`).
 */
export function createBuildSnapshots<Answer>(analysisCache: string | false, buildKey: string) {
  const file = analysisCache === false ? undefined : path.join(analysisCache, 'builds.bin')
  // Answers are persist's output: another build of persist must not read them.
  let formatKey: string | undefined
  const format = () => (formatKey ??= `builds ${SNAPSHOT_FORMAT} core ${corePackage.version} ${codeFingerprint()} ${dependencyVersions()}`)
  // The format key costs stats of persist's own files: not worth it before a first snapshot exists.
  const read = (): SnapshotFile | undefined => (file && fs.existsSync(file) ? readCacheFile(file, format(), isSnapshotFile) : undefined)
  let startedAt = 0
  let answers = new Map<string, Answer>()
  let dependencies = { files: new Set<string>(), dirs: new Set<string>() }
  let unknownDependencies = false

  return {
    /** The last build with this key, when nothing it depended on changed since; `undefined` otherwise. */
    recall(): RecalledBuild<Answer> | undefined {
      const snapshot = read()?.get(buildKey) as Snapshot<Answer> | undefined
      if (!snapshot) return undefined
      const { startedAt: at } = snapshot
      for (const [module, signature] of snapshot.modules) if (!isUnchanged(module, signature, at)) return undefined
      for (const [other, signature] of snapshot.files) if (!isUnchanged(other, signature, at)) return undefined
      for (const [dir, mtime] of snapshot.dirs) {
        const now = fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? -1
        if (now !== mtime || (mtime !== -1 && !observedLongAfter(mtime, at))) return undefined
      }
      // The manifest was written at the end of that build, so no age rule: a rewrite by anyone else renames a new
      // file over it (another inode).
      const manifest = snapshot.manifest
      const manifestCurrent = !!manifest?.[1] && statOrNull(manifest[0])?.join() === manifest[1].join()
      return { answers: new Map(snapshot.answers), manifestCurrent }
    },
    /** A build starts: what it loads and answers is noted afresh. */
    beginBuild(): void {
      startedAt = Date.now()
      answers = new Map()
      dependencies = { files: new Set(), dirs: new Set() }
      unknownDependencies = false
    },
    /**
     * Notes the plugin's answer for a module it rewrote, and what the answer was computed from (undefined: not
     * known, so this build cannot be snapshotted).
     */
    noteAnswer(module: string, answer: Answer, from: AnswerDependencies | undefined): void {
      if (!from) {
        unknownDependencies = true
        return
      }
      answers.set(module, answer)
      for (const dependency of from.files) dependencies.files.add(dependency)
      for (const dir of from.dirs) dependencies.dirs.add(dir)
    },
    /**
     * Saves this build, after one that succeeded and showed every module to the plugin. `inputs`: every module
     * the bundler loaded, as absolute paths; `root` bounds the directories watched (listings above it, such as a
     * home or temp directory, change all the time); `tsconfig`: one the bundler was told to use; `manifest`: the
     * manifest the build wrote. Stats taken now vouch for what the build read only because a file modified after
     * the build started fails `recall`'s age check.
     */
    save(inputs: string[], options: { root: string; tsconfig?: string; manifest?: string }): void {
      if (!file || inputs.length === 0 || unknownDependencies) return
      const modules: Snapshot<Answer>['modules'] = []
      for (const input of inputs) {
        const stat = fs.statSync(input, { throwIfNoEntry: false })
        // Gone already: nothing can vouch for the next build.
        if (!stat) return
        modules.push([input, signatureOf(stat)])
      }
      const context = resolutionContext(inputs, options.root, options.tsconfig)
      for (const dependency of dependencies.files) if (!context.files.has(dependency)) context.files.set(dependency, statOrNull(dependency))
      for (const dir of dependencies.dirs) if (!context.dirs.has(dir)) context.dirs.set(dir, fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? -1)
      const snapshot: Snapshot<Answer> = {
        startedAt,
        modules,
        files: [...context.files],
        dirs: [...context.dirs],
        answers: [...answers],
        manifest: options.manifest === undefined ? undefined : [options.manifest, statOrNull(options.manifest)],
      }
      const snapshots: SnapshotFile = new Map([[buildKey, snapshot]])
      for (const [key, other] of read() ?? []) if (snapshots.size < MAX_SNAPSHOTS && key !== buildKey) snapshots.set(key, other)
      writeCacheFile(file, format(), snapshots)
    },
  }
}

export type BuildSnapshots<Answer> = ReturnType<typeof createBuildSnapshots<Answer>>

/**
 * The directories whose listings decide how the modules' imports resolve (each module's directory and its
 * ancestors up to `root`, where `node_modules`, index files and configs are looked up), and the configs in them
 * with what they extend.
 */
function resolutionContext(modules: string[], root: string, tsconfig: string | undefined) {
  const dirs = new Map<string, number>()
  const isAboveRoot = (dir: string) => dir !== root && root.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)
  for (const module of modules) {
    for (let dir = path.dirname(module); !dirs.has(dir) && !isAboveRoot(dir); dir = path.dirname(dir)) {
      dirs.set(dir, fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? -1)
      if (dir === root || path.dirname(dir) === dir) break
    }
  }
  const files = new Map<string, StatSignature | null>()
  const addConfig = (config: string) => {
    if (files.has(config)) return
    const signature = statOrNull(config)
    files.set(config, signature)
    // A tsconfig's `paths` may come from the configs it extends, wherever they are.
    if (signature && /[jt]sconfig[^/\\]*\.json$/.test(config)) for (const base of tsconfigChain(config).slice(1)) addConfig(base)
  }
  for (const dir of dirs.keys()) {
    for (const name of RESOLUTION_CONFIGS) if (fs.existsSync(path.join(dir, name))) addConfig(path.join(dir, name))
  }
  if (tsconfig) addConfig(tsconfig)
  return { dirs, files }
}
