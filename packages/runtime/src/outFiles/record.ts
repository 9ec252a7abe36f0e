/** What an entry records about each file its call wrote: kept in the entry's JSON metadata. */

/** One out-file of a stored call: the parameter that named its path, and its bytes' identity in the blob store. */
export interface OutFileRecord {
  /** The parameter whose value was the path the function wrote. */
  param: string
  /** sha256 (hex) of the file's bytes: the blob's name. */
  sha256: string
  /** Size in bytes. */
  size: number
}

import { SHA256_RE } from '../stores/layout'

/** Whether metadata read from an entry file is a well-formed list of records (the hash becomes a path: check it). */
export function isOutFileRecords(value: unknown): value is OutFileRecord[] {
  return (
    Array.isArray(value) &&
    value.every(
      (record) =>
        record !== null &&
        typeof record === 'object' &&
        typeof record.param === 'string' &&
        typeof record.sha256 === 'string' &&
        SHA256_RE.test(record.sha256) &&
        Number.isSafeInteger(record.size) &&
        record.size >= 0,
    )
  )
}
