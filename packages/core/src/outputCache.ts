import fs from 'node:fs'
import path from 'node:path'
import corePackage from '../package.json' with { type: 'json' }
import type { ReuseRecord } from './analyzer'
import { codeFingerprint, dependencyVersions } from './codeFingerprint'
import type { Diagnostic } from './diagnostics'
import type { OptionsResolved } from './options'
import type { PersistedFunction, TransformResult, TransformSourceMap } from './transform'
import { type FileStamp, readCacheFile, writeCacheFile } from './analysis/diskCache'
import { UnreadableFileError, isStampTrusted, readStamped, stampOf, statIfExists, unlessMissing } from './analysis/fileStamp'
import { hashParts, sha256 } from './analysis/hash'
import { isMemoValid, statDirMtime } from './analysis/resultMemo'
import { tsconfigInEffect } from './analysis/tsconfigPath'

/** The bytes every annotation contains. */
const ANNOTATION_MARKER = Buffer.from('@persist')
/** Bumped whenever what an entry holds or how it is keyed changes. */
const OUTPUT_FORMAT = 8
/** Entries kept on disk at most (a build's own come first). */
const MAX_ENTRIES = 50_000
/** The content hash of an input that exists but cannot be read: equal to no recorded hash. */
const UNREADABLE = '(unreadable)'
/** Stands for the module's own text in a stored source map: it is the input, which a lookup has in hand. */
const OWN_SOURCE = 0

/** One transformed module: its output, and everything the analysis behind it read (checked before reuse). */
interface OutputEntry extends Omit<ReuseRecord, 'stamps'> {
  /** The module's content hash. */
  codeHash: string
  /** The plugin options (and whether a source map was made) the output was made with. */
  optionsKey: string
  /** `null`: the module has `@persist` in its text but nothing to rewrite (a doc comment, only `@persist:done`). */
  code: string | null
  /** The map's own properties in their order; a `sourcesContent` equal to the input is `[OWN_SOURCE]`. */
  map: Array<[key: string, value: unknown]> | undefined
  warnings: Diagnostic[]
  watchFiles: string[]
  functions: PersistedFunction[]
}

interface OutputFile {
  entries: Map<string, OutputEntry>
  /** Stamps of modules read without `@persist` (no content hash needed): a warm build skips them after a stat. */
  plain: Map<string, FileStamp>
  /** Stamps of inputs and modules, so a check can trust a stat instead of reading. */
  stamps: Map<string, FileStamp>
}

const isOutputFile = (v: unknown): v is OutputFile =>
  v instanceof Object &&
  (v as OutputFile).entries instanceof Map &&
  (v as OutputFile).plain instanceof Map &&
  (v as OutputFile).stamps instanceof Map

/** A source map read back from the cache: serialises exactly as the map the transform generated. */
class StoredSourceMap implements TransformSourceMap {
  declare version: number
  declare sources: string[]
  declare names: string[]
  declare mappings: string
  toString(): string {
    return JSON.stringify(this)
  }
  toUrl(): string {
    return `data:application/json;charset=utf-8;base64,${Buffer.from(this.toString(), 'utf8').toString('base64')}`
  }
}

export interface OutputCache {
  /**
   * Starts a build: until `endBuild`, each input is stat-ed once (a bundler reads each module once per build
   * too). Outside a build, every lookup stats its inputs afresh (a dev server has no end of build).
   */
  beginBuild(): void
  endBuild(): void
  /**
   * The transform of `file` with content `code` as an earlier build produced it, when nothing it was computed
   * from has changed since: the module, every file and directory listing its analysis read, the plugin options
   * and persist itself; `null` when that transform had nothing to rewrite; `undefined` when unknown. Loads
   * neither the parser nor the analyzer.
   */
  lookup(file: string, code: string, sourcemap: boolean): TransformResult | null | undefined
  /**
   * The same answer for a bundler that has not read the module yet, from a stat alone: the cached output, `'plain'`
   * for a module known to need no rewrite (no `@persist`, or nothing to rewrite), or `undefined` when the module
   * must be read (its stat is not trusted, it is new, or a source map needs its text).
   */
  probe(file: string, sourcemap: boolean): TransformResult | 'plain' | undefined
  /**
   * Reads a module: its text, null when the text does not contain `@persist` at all, undefined when it cannot be
   * read. Keeps its stat so the `lookup` or `markPlain` that follows can stamp it for the next build's `probe`.
   */
  readModule(file: string): string | null | undefined
  /** Remembers that a module just read with `readModule` has no `@persist`. */
  markPlain(file: string): void
  /** Whether the cache knows no module at all (a cold build: the parser and analyzer will be needed). */
  isEmpty(): boolean
  /**
   * Remembers a transform's output (`undefined`: nothing to rewrite) with what its analysis read; written to disk
   * by `flush`.
   */
  store(file: string, code: string, sourcemap: boolean, result: TransformResult | undefined, record: ReuseRecord): void
  /** Writes the cache when it changed; throws when it cannot (the caller turns that into a warning). */
  flush(): void
  /** The files and directory listings the cached transform of `file` was computed from, besides `file` itself. */
  dependencies(file: string): { files: string[]; dirs: string[] } | undefined
}

/**
 * The transform-output cache: a warm build returns the rewritten module without parsing or analysing anything,
 * after the same validity check the analyzer runs before reusing a file's analysis. Kept in
 * `<analysisCache>/outputs.bin` (in memory only when `analysisCache` is `false`).
 */
export function createOutputCache(options: OptionsResolved): OutputCache {
  const file = options.analysisCache === false ? undefined : path.join(options.analysisCache, 'outputs.bin')
  // Computed on first use, not when the plugin starts: a plugin may defer loading the cache past its start.
  let keys: { format: string; map: string; none: string } | undefined
  const cacheKeys = () => {
    if (keys) return keys
    const fingerprint = optionsFingerprint(options)
    const format = `outputs ${OUTPUT_FORMAT} core ${corePackage.version} ${codeFingerprint()} ${dependencyVersions()}`
    return (keys = { format, map: hashParts([fingerprint, 'map']), none: hashParts([fingerprint, 'none']) })
  }
  let loaded: OutputFile | undefined
  let dirty = false
  let building = false
  const hashes = new Map<string, string | undefined>()
  const dirMtimes = new Map<string, number>()

  const load = (): OutputFile =>
    (loaded ??= (file && readCacheFile(file, cacheKeys().format, isOutputFile)) || { entries: new Map(), plain: new Map(), stamps: new Map() })

  const startLookup = () => {
    if (building) return
    hashes.clear()
    dirMtimes.clear()
  }
  /** The last module read by `readModule`, stamped once its content hash is known (or it proves plain). */
  let lastRead: { module: string; stat: fs.Stats; readAt: number } | undefined
  const takeRead = (module: string) => {
    const read = lastRead?.module === module ? lastRead : undefined
    lastRead = undefined
    return read
  }
  /** Records what a read found, so the next build can trust a stat; a stamp still trusted is kept (nothing to write). */
  const noteStamp = (stamps: Map<string, FileStamp>, input: string, stamp: FileStamp, stat: fs.Stats) => {
    const current = stamps.get(input)
    if (current && current.contentHash === stamp.contentHash && isStampTrusted(current, stat)) return
    stamps.set(input, stamp)
    dirty = true
  }
  /** The content hash of a file, from its stamp when the stat allows, else from its bytes. */
  const contentHash = (input: string): string | undefined => {
    if (hashes.has(input)) return hashes.get(input)
    let hash: string | undefined
    try {
      const stat = statIfExists(input)
      if (stat?.isFile()) {
        const stamp = load().stamps.get(input)
        if (stamp && isStampTrusted(stamp, stat)) hash = stamp.contentHash
        else {
          const fresh = readStamped(input, stat)
          if (fresh) noteStamp(load().stamps, input, fresh.stamp, stat)
          hash = fresh?.hash
        }
      }
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error
      // Neither its old content nor missing: a miss, and the analysis reports the file.
      hash = UNREADABLE
    }
    hashes.set(input, hash)
    return hash
  }
  const output = (entry: OutputEntry & { code: string }, code: string | undefined): TransformResult => ({
    code: entry.code,
    map: entry.map && code !== undefined ? storedSourceMap(entry.map, code) : undefined,
    warnings: [...entry.warnings],
    watchFiles: [...entry.watchFiles],
    functions: entry.functions,
  })
  const dirMtime = (dir: string): number => {
    let mtime = dirMtimes.get(dir)
    if (mtime === undefined) dirMtimes.set(dir, (mtime = statDirMtime(dir)))
    return mtime
  }
  const isCurrent = (entry: OutputEntry | undefined, codeHash: string, sourcemap: boolean): entry is OutputEntry =>
    !!entry &&
    entry.optionsKey === cacheKeys()[sourcemap ? 'map' : 'none'] &&
    entry.codeHash === codeHash &&
    isMemoValid(entry, contentHash, dirMtime)

  return {
    beginBuild() {
      building = true
      hashes.clear()
      dirMtimes.clear()
    },
    endBuild() {
      building = false
      hashes.clear()
      dirMtimes.clear()
    },
    lookup(module, code, sourcemap) {
      startLookup()
      const codeHash = sha256(code)
      const read = takeRead(module)
      if (read) {
        noteStamp(load().stamps, module, stampOf(read.stat, codeHash, read.readAt), read.stat)
        hashes.set(module, codeHash)
      }
      const entry = load().entries.get(module)
      if (!isCurrent(entry, codeHash, sourcemap)) return undefined
      return entry.code === null ? null : output({ ...entry, code: entry.code }, code)
    },
    probe(module, sourcemap) {
      startLookup()
      // Cannot stat: the bundler reads it, and reports what it finds.
      const stat = unlessMissing(module, () => fs.statSync(module), () => undefined)
      if (!stat?.isFile()) return undefined
      const { entries, plain, stamps } = load()
      const plainStamp = plain.get(module)
      if (plainStamp && isStampTrusted(plainStamp, stat)) return 'plain'
      // The map's `sourcesContent` is the module's text: it has to be read.
      if (sourcemap) return undefined
      const stamp = stamps.get(module)
      if (!stamp || !isStampTrusted(stamp, stat)) return undefined
      hashes.set(module, stamp.contentHash)
      const entry = entries.get(module)
      if (!isCurrent(entry, stamp.contentHash, sourcemap)) return undefined
      return entry.code === null ? 'plain' : output({ ...entry, code: entry.code }, undefined)
    },
    readModule(module) {
      startLookup()
      lastRead = undefined
      const readAt = Date.now()
      try {
        const stat = fs.statSync(module)
        const bytes = fs.readFileSync(module)
        lastRead = { module, stat, readAt }
        // Most modules do not mention the marker: the bytes tell, without decoding them.
        return bytes.includes(ANNOTATION_MARKER) ? bytes.toString('utf8') : null
      } catch {
        return undefined
      }
    },
    isEmpty() {
      const { entries, plain } = load()
      return entries.size === 0 && plain.size === 0
    },
    markPlain(module) {
      const read = takeRead(module)
      if (read) noteStamp(load().plain, module, stampOf(read.stat, '', read.readAt), read.stat)
    },
    store(module, code, sourcemap, result, record) {
      const { entries, plain, stamps } = load()
      const map = result?.map && Object.entries(result.map).map(([key, value]): [string, unknown] =>
        key === 'sourcesContent' && Array.isArray(value) && value.length === 1 && value[0] === code ? [key, [OWN_SOURCE]] : [key, value],
      )
      entries.delete(module)
      plain.delete(module)
      entries.set(module, {
        codeHash: sha256(code),
        optionsKey: cacheKeys()[sourcemap ? 'map' : 'none'],
        inputs: record.inputs,
        dirs: record.dirs,
        recordedAt: record.recordedAt,
        code: result?.code ?? null,
        map,
        warnings: result?.warnings ?? [],
        watchFiles: result?.watchFiles ?? [],
        functions: result?.functions ?? [],
      })
      for (const [input, stamp] of record.stamps) stamps.set(input, stamp)
      dirty = true
    },
    dependencies(module) {
      const entry = loaded?.entries.get(module)
      return entry && { files: entry.inputs.map(([input]) => input).filter((input) => input !== module), dirs: entry.dirs.map(([dir]) => dir) }
    },
    flush() {
      if (!file || !loaded || !dirty) return
      const entries = new Map([...loaded.entries].slice(-MAX_ENTRIES))
      const plain = new Map([...loaded.plain].slice(-MAX_ENTRIES))
      const used = new Set<string>([...entries.keys(), ...plain.keys()])
      for (const entry of entries.values()) for (const [input] of entry.inputs) used.add(input)
      const stamps = new Map([...loaded.stamps].filter(([input]) => used.has(input)))
      writeCacheFile(file, cacheKeys().format, { entries, plain, stamps } satisfies OutputFile)
      dirty = false
    },
  }
}

/** The stored map with the module's text put back: the same properties in the same order as when generated. */
function storedSourceMap(properties: Array<[string, unknown]>, code: string): StoredSourceMap {
  const map = new StoredSourceMap()
  for (const [key, value] of properties) {
    const own = key === 'sourcesContent' && Array.isArray(value) && value.length === 1 && value[0] === OWN_SOURCE
    ;(map as unknown as Record<string, unknown>)[key] = own ? [code] : value
  }
  return map
}

/**
 * Everything besides the module and its inputs that shapes a transform's output: the resolved options and the
 * tsconfig the analysis resolves with (found once per process, as the analyzer does).
 */
function optionsFingerprint(options: OptionsResolved): string {
  const tsconfig = tsconfigInEffect(options.root, options.tsconfig) ?? '(none)'
  const json = JSON.stringify(options, (_key, value: unknown) => (value instanceof RegExp ? String(value) : value))
  return hashParts([json, tsconfig])
}
