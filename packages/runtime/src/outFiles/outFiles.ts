/**
 * The `outFiles` option: parameters that are paths the function writes. They are left out of the key; after a
 * computation the files' bytes go to the blob store and the entry records them; on a hit they are put back at
 * the paths of the current call, and the function does not run.
 */
import { lstatSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KeyMapper, KeyOption } from '../options'
import { warnOnce } from '../warn'
import type { BlobStore } from './blobStore'
import type { OutFileRecord } from './record'

/** An out-file parameter and its position among the call's values. */
export interface OutFileParam {
  param: string
  index: number
}

/** Checks that every name in `outFiles` is a parameter of the function; `undefined` when there are none. */
export function resolveOutFileParams(where: string, params: readonly string[], outFiles: readonly string[] | undefined): OutFileParam[] | undefined {
  if (outFiles === undefined || outFiles.length === 0) return undefined
  return outFiles.map((param) => {
    const index = params.indexOf(param)
    if (index === -1) {
      throw new TypeError(
        `persist: option outFiles of ${where} names "${param}", which is not a parameter (parameters: ${params.join(', ') || 'none'}). ` +
          'Fix: list the names of the parameters that hold the paths the function writes.',
      )
    }
    return { param, index }
  })
}

/**
 * The key option with the out-file parameters left out: where a file is written does not change what is
 * written. A parameter the key option maps explicitly keeps its mapping; a key function decides for itself.
 */
export function keyWithoutOutFiles(key: KeyOption | undefined, outFiles: readonly OutFileParam[] | undefined): KeyOption | undefined {
  if (outFiles === undefined || typeof key === 'function') return key
  const withoutFiles: Record<string, KeyMapper> = {}
  for (const { param } of outFiles) withoutFiles[param] = null
  return { ...withoutFiles, ...key }
}

/** The absolute path an out-file parameter holds (a string or a `file:` URL, relative to the working directory). */
function pathOf(where: string, param: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return resolve(value)
  if (value instanceof URL && value.protocol === 'file:') return fileURLToPath(value)
  const got = value === null ? 'null' : typeof value === 'string' ? 'an empty string' : typeof value
  throw new TypeError(`persist: the out-file parameter "${param}" of ${where} must be a path (a string or a file: URL), got ${got}.`)
}

function directoryError(where: string, param: string, path: string): TypeError {
  return new TypeError(
    `persist: the out-file "${param}" of ${where} is a directory (${path}); out-files must be files for now. ` +
      'Fix: name a file (e.g. an archive of the directory), or leave the parameter out of outFiles.',
  )
}

/** The paths the call was supposed to write; throws, naming the parameter, for one it did not write. */
export function writtenOutFiles(where: string, outFiles: readonly OutFileParam[], values: readonly unknown[]): string[] {
  return outFiles.map(({ param, index }) => {
    const path = pathOf(where, param, values[index])
    let isDirectory: boolean
    try {
      isDirectory = lstatSync(path).isDirectory()
    } catch {
      throw new Error(
        `persist: ${where} did not write its out-file "${param}" (${path}), so the call is not cached. ` +
          `Fix: make the function write the file at the path it receives in "${param}", or remove "${param}" from the outFiles option.`,
      )
    }
    if (isDirectory) throw directoryError(where, param, path)
    return path
  })
}

/** Stores the bytes of each written out-file; the records go into the entry. File system errors are thrown. */
export function storeOutFiles(outFiles: readonly OutFileParam[], paths: readonly string[], blobs: BlobStore): OutFileRecord[] {
  return outFiles.map(({ param }, i) => ({ param, ...blobs.put(paths[i]!) }))
}

/**
 * Puts the out-files of a stored call at the paths of this call. False when the entry cannot be used (it was
 * written without these out-files, or a blob is missing or damaged: one warning); the caller then recomputes.
 */
export function restoreOutFiles(
  where: string,
  outFiles: readonly OutFileParam[],
  records: readonly OutFileRecord[] | undefined,
  values: readonly unknown[],
  blobs: BlobStore,
): boolean {
  for (const { param, index } of outFiles) {
    const record = records?.find((candidate) => candidate.param === param)
    if (record === undefined) return false
    const path = pathOf(where, param, values[index])
    let isDirectory = false
    try {
      isDirectory = lstatSync(path).isDirectory()
    } catch {
      // Not there yet: the usual case.
    }
    if (isDirectory) throw directoryError(where, param, path)
    const result = blobs.restore(record, path)
    if (result === 'restored') continue
    if (result === 'missing' || result === 'corrupt') {
      warnOnce(
        `the stored bytes of the out-file "${param}" of ${where} are ${result === 'missing' ? 'missing' : 'damaged'} ` +
          `(${blobs.pathOf(record.sha256)}): the call is recomputed and stored again.`,
        `outfile-blob:${record.sha256}`,
      )
    }
    // `unwritable`: the function itself will meet the same path; let it run and report in its own way.
    return false
  }
  return true
}
