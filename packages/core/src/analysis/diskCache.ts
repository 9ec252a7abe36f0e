import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import v8 from 'node:v8'

/** The last stat of a file whose content hash is known, to skip reading unchanged files. */
export interface FileStamp {
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
  contentHash: string
  /** When the content was read; a stamp is trusted only for files not modified around that time. */
  readAt: number
}

const MAGIC = 'persist-analysis\n'
const CHECKSUM_BYTES = 32

/**
 * Reads one cache file: `<magic><format key>\n<sha256 of payload><v8 payload>`. A file that is missing,
 * truncated, from another format version, with a bad checksum or of the wrong shape reads as undefined.
 */
export function readCacheFile<T>(file: string, formatKey: string, isValid: (value: unknown) => value is T): T | undefined {
  let data: Buffer
  try {
    data = fs.readFileSync(file)
  } catch {
    return undefined
  }
  try {
    const header = Buffer.from(`${MAGIC}${formatKey}\n`)
    if (data.length < header.length + CHECKSUM_BYTES || !data.subarray(0, header.length).equals(header)) return undefined
    const checksum = data.subarray(header.length, header.length + CHECKSUM_BYTES)
    const payload = data.subarray(header.length + CHECKSUM_BYTES)
    if (!crypto.createHash('sha256').update(payload).digest().equals(checksum)) return undefined
    const value: unknown = v8.deserialize(payload)
    return isValid(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** Writes one cache file through a unique temporary file and a rename, so readers never see half a file. */
export function writeCacheFile(file: string, formatKey: string, value: unknown): void {
  const payload = v8.serialize(value)
  const checksum = crypto.createHash('sha256').update(payload).digest()
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC}${formatKey}\n`), checksum, payload]))
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, { force: true })
    throw error
  }
}
