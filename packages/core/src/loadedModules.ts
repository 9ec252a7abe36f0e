import fs from 'node:fs'
import path from 'node:path'
import { readCacheFile, writeCacheFile } from './analysis/diskCache'
import { observedLongAfter } from './analysis/racy'
import { tsconfigChain } from './analysis/tsconfigChain'

/** Bumped whenever what a record holds changes. */
const RECORD_FORMAT = 1
/** Records kept, one per distinct build (options, entry points): the most recently saved first. */
const MAX_RECORDS = 16
/** Files next to a module that decide how its imports resolve, whose edits leave the directory's mtime alone. */
const RESOLUTION_CONFIGS = ['package.json', 'tsconfig.json', 'jsconfig.json']

/** What `fs.Stats` says of a file's identity and last change: equal stats mean "not touched since". */
type StatSignature = [size: number, mtimeMs: number, ctimeMs: number, ino: number]

/** Everything one build loaded, and which of those modules the plugin rewrote. */
interface LoadedModulesRecord {
  /** When the build started: every stat below was taken after it, and trusted only for files older than it. */
  startedAt: number
  modules: Array<[file: string, stat: StatSignature]>
  /** Directories whose listings decide which files imports resolve to, with their mtimes. */
  dirs: Array<[dir: string, mtimeMs: number]>
  /** Resolution configs (package.json, tsconfig.json in those directories, what tsconfigs extend); null: absent. */
  configs: Array<[file: string, stat: StatSignature | null]>
  annotated: string[]
}

type RecordFile = Map<string, LoadedModulesRecord>

const isRecordFile = (v: unknown): v is RecordFile => v instanceof Map

const signatureOf = (stat: fs.Stats): StatSignature => [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino]

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
 * The modules a build loads, remembered per build so that the next identical build can tell, from stats alone,
 * that no module without `@persist` has gained one and that no import can reach a module it did not load:
 * a bundler whose filter is a path pattern (esbuild) then asks about the annotated modules only. Kept in
 * `<analysisCache>/loaded-modules.bin` (nothing is kept when `analysisCache` is `false`).
 */
export function createLoadedModules(analysisCache: string | false, buildKey: string) {
  const file = analysisCache === false ? undefined : path.join(analysisCache, 'loaded-modules.bin')
  const formatKey = `loaded-modules ${RECORD_FORMAT}`
  const read = (): RecordFile | undefined => (file ? readCacheFile(file, formatKey, isRecordFile) : undefined)
  let startedAt = 0
  let annotated = new Set<string>()

  return {
    /**
     * The modules carrying `@persist` that the last build with this key loaded, when none of what it loaded and
     * none of the directory listings and resolution configs around them changed since; `undefined` otherwise
     * (the bundler must then show every module to the plugin).
     */
    recall(): string[] | undefined {
      const record = read()?.get(buildKey)
      if (!record) return undefined
      const { startedAt: at } = record
      for (const [module, signature] of record.modules) if (!isUnchanged(module, signature, at)) return undefined
      for (const [config, signature] of record.configs) if (!isUnchanged(config, signature, at)) return undefined
      for (const [dir, mtime] of record.dirs) {
        if (!observedLongAfter(mtime, at) || fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs !== mtime) return undefined
      }
      return record.annotated
    },
    /** A build starts: what it loads is noted afresh. */
    beginBuild(): void {
      startedAt = Date.now()
      annotated = new Set()
    },
    /** Notes a module the plugin rewrote in this build. */
    noteAnnotated(module: string): void {
      annotated.add(module)
    },
    /**
     * Saves what this build loaded (`inputs`: every module, as absolute paths), after a build that succeeded and
     * showed every module to the plugin. Stats taken now vouch for the content the bundler read only because a
     * file modified after the build started fails `recall`'s age check. `root` bounds the directories watched:
     * listings above it (a home or temp directory) change all the time. `tsconfig`: one the bundler was told to use.
     */
    save(inputs: string[], root: string, tsconfig?: string): void {
      if (!file || inputs.length === 0) return
      const modules: LoadedModulesRecord['modules'] = []
      for (const input of inputs) {
        const stat = fs.statSync(input, { throwIfNoEntry: false })
        // Gone already: nothing can vouch for the next build.
        if (!stat) return
        modules.push([input, signatureOf(stat)])
      }
      const { dirs, configs } = resolutionContext(inputs, root, tsconfig)
      const record: LoadedModulesRecord = { startedAt, modules, dirs, configs, annotated: [...annotated] }
      const records: RecordFile = new Map([[buildKey, record]])
      for (const [key, other] of read() ?? []) if (records.size < MAX_RECORDS && key !== buildKey) records.set(key, other)
      writeCacheFile(file, formatKey, records)
    },
  }
}

export type LoadedModules = ReturnType<typeof createLoadedModules>

/**
 * The directories whose listings decide how the modules' imports resolve (each module's directory and its
 * ancestors up to `root`, where `node_modules`, index files and configs are looked up), and the configs in them
 * with what they extend.
 */
function resolutionContext(modules: string[], root: string, tsconfig: string | undefined): Pick<LoadedModulesRecord, 'dirs' | 'configs'> {
  const dirs = new Map<string, number>()
  const isAboveRoot = (dir: string) => dir !== root && (root.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep))
  for (const module of modules) {
    for (let dir = path.dirname(module); !dirs.has(dir) && !isAboveRoot(dir); dir = path.dirname(dir)) {
      dirs.set(dir, fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? -1)
      if (dir === root || path.dirname(dir) === dir) break
    }
  }
  const configs = new Map<string, StatSignature | null>()
  const addConfig = (file: string) => {
    if (configs.has(file)) return
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    configs.set(file, stat ? signatureOf(stat) : null)
    // A tsconfig's `paths` may come from the configs it extends, wherever they are.
    if (stat && /[jt]sconfig[^/\\]*\.json$/.test(file)) for (const base of tsconfigChain(file).slice(1)) addConfig(base)
  }
  for (const dir of dirs.keys()) {
    for (const name of RESOLUTION_CONFIGS) if (fs.existsSync(path.join(dir, name))) addConfig(path.join(dir, name))
  }
  if (tsconfig) addConfig(tsconfig)
  return { dirs: [...dirs], configs: [...configs] }
}
