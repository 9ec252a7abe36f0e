import fs from 'node:fs'
import path from 'node:path'
import { type FileStamp, readCacheFile, writeCacheFile } from './diskCache'
import { isStampTrusted, readStamped, statIfExists } from './fileStamp'
import { statDirMtime } from './resultMemo'
import type { MemoEntry } from './resultMemo'
import { hashParts, sha256 } from './hash'
import type { ParsedModule } from './parse'
import { summarizeFile } from './summarize'
import type { FileSummary } from './summary'

/** Stamps of files not seen in this process are kept up to this many. */
const MAX_STAMPS = 50_000

export interface FileStoreStats {
  /** Files parsed and summarised (cache misses). */
  parses: number
  /** Files whose content was read and hashed. */
  reads: number
  /** File analyses reused whole because none of their inputs changed. */
  reuses: number
}

/** The small part of the cache, read at start: stamps and finished analyses. */
interface CacheIndex {
  stamps: Map<string, FileStamp>
  results: Map<string, MemoEntry<unknown>>
}

const isIndex = (v: unknown): v is CacheIndex => v instanceof Object && (v as CacheIndex).stamps instanceof Map && (v as CacheIndex).results instanceof Map
const isSummaries = (v: unknown): v is Map<string, FileSummary> => v instanceof Map

/**
 * Content-addressed access to the files of a project: a file's content hash comes from a trusted stat
 * when nothing about the file changed, and from its bytes otherwise; summaries are cached by content hash
 * in memory and, through `flush`, on disk. The disk cache is two files: a small index read at start, and the
 * summaries, read only when a warm build needs one (a build whose analyses are all reused never reads them).
 */
export class FileStore {
  readonly stats: FileStoreStats = { parses: 0, reads: 0, reuses: 0 }
  private stamps = new Map<string, FileStamp>()
  private summaries = new Map<string, FileSummary>()
  private summariesLoaded: boolean
  /** Finished analyses by file, reused while all their inputs are unchanged. */
  readonly results = new Map<string, MemoEntry<unknown>>()
  /** Files stat-checked in the current pass; cleared by `beginPass`. */
  private checked = new Map<string, string | undefined>()
  /** Text read in the current pass, so a summary miss does not read the file twice. */
  private texts = new Map<string, string>()
  /** Directory mtimes and summaries looked up in the current pass. */
  private dirMtimes = new Map<string, number>()
  /** Between `beginBuild` and `endBuild`: content hashes and directory mtimes already checked in this build. */
  private buildHashes: Map<string, string | undefined> | undefined
  private buildDirMtimes: Map<string, number> | undefined
  private passSummaries = new Map<string, FileSummary | undefined>()
  private seen = new Set<string>()
  private currentKeys = new Map<string, string>()
  /** The last text given to `textHash`, and its hash. */
  private lastText: string | undefined
  private lastTextHash = ''
  private dirtyIndex = false
  private dirtySummaries = false
  private readonly cacheDir: string | undefined
  private readonly formatKey: string

  constructor(cacheDir: string | undefined, formatKey: string) {
    this.cacheDir = cacheDir
    this.formatKey = formatKey
    this.summariesLoaded = !cacheDir
    if (!cacheDir) return
    const index = readCacheFile(path.join(cacheDir, 'index.bin'), formatKey, isIndex)
    if (index) {
      this.stamps = index.stamps
      for (const [file, entry] of index.results) this.results.set(file, entry)
    }
  }

  private loadSummaries(): void {
    if (this.summariesLoaded) return
    this.summariesLoaded = true
    const stored = readCacheFile(path.join(this.cacheDir!, 'summaries.bin'), this.formatKey, isSummaries)
    if (stored) for (const [key, summary] of stored) if (!this.summaries.has(key)) this.summaries.set(key, summary)
  }
  /**
   * Starts a build: until `endBuild`, a file or directory is stat-checked once, not once per pass (a bundler
   * reads each module once per build too; 200 analyses of one build would otherwise stat the same files 200 times).
   */
  beginBuild(): void {
    this.buildHashes = new Map()
    this.buildDirMtimes = new Map()
  }

  endBuild(): void {
    this.buildHashes = undefined
    this.buildDirMtimes = undefined
  }

  /** Starts an analysis pass: every file is stat-checked again (once per build between `beginBuild` and `endBuild`). */
  beginPass(): void {
    this.checked.clear()
    this.texts.clear()
    this.dirMtimes.clear()
    this.passSummaries.clear()
  }

  /** A directory's mtime (-1 when missing), stat-ed once per pass. */
  dirMtime(dir: string): number {
    let mtime = this.dirMtimes.get(dir)
    if (mtime === undefined) {
      mtime = this.buildDirMtimes?.get(dir) ?? statDirMtime(dir)
      this.dirMtimes.set(dir, mtime)
      this.buildDirMtimes?.set(dir, mtime)
    }
    return mtime
  }

  /** Every file whose content hash was asked for in this pass, with the answer (null: missing). */
  passInputs(): Array<[string, string | null]> {
    return [...this.checked].map(([file, hash]) => [file, hash ?? null])
  }

  /** The last stamp of a file (what `contentHash` trusts without reading it), if known. */
  stamp(file: string): FileStamp | undefined {
    return this.stamps.get(file)
  }

  /** Records a finished analysis; it is written to disk by the next `flush`. */
  setResult(file: string, entry: MemoEntry<unknown>): void {
    this.results.set(file, entry)
    this.dirtyIndex = true
  }

  /** Forgets what is known about a file's content (or every file's). */
  invalidate(file?: string): void {
    if (file === undefined) {
      this.stamps.clear()
      this.results.clear()
      this.buildHashes?.clear()
      this.buildDirMtimes?.clear()
      this.beginPass()
    } else {
      this.stamps.delete(file)
      this.checked.delete(file)
      this.buildHashes?.delete(file)
      this.buildDirMtimes?.clear()
      this.texts.delete(file)
      this.passSummaries.delete(file)
      this.dirMtimes.clear()
    }
  }

  /** The content hash of a file as it is now, or undefined when it does not exist. */
  contentHash(file: string): string | undefined {
    if (this.checked.has(file)) return this.checked.get(file)
    const hash = this.buildHashes?.has(file) ? this.buildHashes.get(file) : this.computeContentHash(file)
    this.checked.set(file, hash)
    this.buildHashes?.set(file, hash)
    return hash
  }

  /**
   * SHA-256 of a text handed over by the caller. The analyzer asks twice for the same text (its memo key, then
   * the summary): the last answer is kept, and a string compared to the same string is a pointer comparison.
   */
  textHash(code: string): string {
    if (this.lastText !== code) {
      this.lastTextHash = sha256(code)
      this.lastText = code
    }
    return this.lastTextHash
  }

  /** The text of a file as it is now. */
  text(file: string): string | undefined {
    const cached = this.texts.get(file)
    if (cached !== undefined) return cached
    return this.readFresh(file)?.text
  }

  /**
   * The summary of a file (`code` overrides what is on disk), parsing only on a content-hash miss; `parsed` is
   * `code` as the caller parsed it with `parseModule`, to save a second parse.
   */
  summary(file: string, code?: string, parsed?: ParsedModule): FileSummary | undefined {
    if (code === undefined && this.passSummaries.has(file)) return this.passSummaries.get(file)
    const summary = this.summaryUncached(file, code, parsed)
    this.passSummaries.set(file, summary)
    return summary
  }

  private summaryUncached(file: string, code?: string, parsed?: ParsedModule): FileSummary | undefined {
    let contentHash: string | undefined
    if (code !== undefined) {
      contentHash = this.textHash(code)
      this.checked.set(file, contentHash)
      this.texts.set(file, code)
    } else contentHash = this.contentHash(file)
    if (contentHash === undefined) return undefined
    const key = hashParts([file, contentHash])
    if (!this.summaries.has(key)) this.loadSummaries()
    const hit = this.summaries.get(key)
    if (hit) {
      this.currentKeys.set(file, key)
      return hit
    }
    let text = code ?? this.texts.get(file)
    if (text === undefined) {
      const fresh = this.readFresh(file)
      if (!fresh) return undefined
      text = fresh.text
      if (fresh.hash !== contentHash) return this.summaryUncached(file)
    }
    this.stats.parses++
    const summary = summarizeFile(file, text, code !== undefined ? parsed : undefined)
    // Older versions of this file are not needed any more (watch mode would otherwise keep every edit).
    const previous = this.currentKeys.get(file)
    if (previous !== undefined && previous !== key) this.summaries.delete(previous)
    this.currentKeys.set(file, key)
    this.summaries.set(key, summary)
    this.dirtySummaries = true
    return summary
  }

  /** Writes the disk cache; throws when it cannot (the caller turns that into a warning). */
  flush(): void {
    if (!this.cacheDir || (!this.dirtyIndex && !this.dirtySummaries)) return
    const stamps = new Map<string, FileStamp>()
    for (const [file, stamp] of this.stamps) if (this.seen.has(file)) stamps.set(file, stamp)
    for (const [file, stamp] of this.stamps) {
      if (stamps.size >= MAX_STAMPS) break
      if (!stamps.has(file)) stamps.set(file, stamp)
    }
    if (this.dirtySummaries) {
      // Summaries used in this process, then those of other known files (analysed by earlier builds).
      const summaries = new Map<string, FileSummary>()
      for (const key of this.currentKeys.values()) {
        const summary = this.summaries.get(key)
        if (summary) summaries.set(key, summary)
      }
      for (const [file, stamp] of stamps) {
        const key = hashParts([file, stamp.contentHash])
        const summary = this.summaries.get(key)
        if (summary) summaries.set(key, summary)
      }
      writeCacheFile(path.join(this.cacheDir, 'summaries.bin'), this.formatKey, summaries)
      this.dirtySummaries = false
    }
    const results = new Map<string, MemoEntry<unknown>>()
    for (const [file, entry] of this.results) if (results.size < MAX_STAMPS) results.set(file, entry)
    writeCacheFile(path.join(this.cacheDir, 'index.bin'), this.formatKey, { stamps, results } satisfies CacheIndex)
    this.dirtyIndex = false
  }

  private computeContentHash(file: string): string | undefined {
    const stat = statIfExists(file)
    if (!stat || !stat.isFile()) return undefined
    this.seen.add(file)
    const stamp = this.stamps.get(file)
    if (stamp && isStampTrusted(stamp, stat)) return stamp.contentHash
    return this.readFresh(file, stat)?.hash
  }

  private readFresh(file: string, stat?: fs.Stats): { text: string; hash: string } | undefined {
    const read = readStamped(file, stat)
    if (!read) return undefined
    this.stats.reads++
    const text = read.bytes.toString('utf8')
    this.stamps.set(file, read.stamp)
    this.checked.set(file, read.hash)
    this.buildHashes?.set(file, read.hash)
    this.texts.set(file, text)
    this.seen.add(file)
    this.dirtyIndex = true
    return { text, hash: read.hash }
  }
}
