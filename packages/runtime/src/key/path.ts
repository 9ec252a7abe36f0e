/** Paths inside an argument, for messages such as `opts.callbacks[0] is a function`. */

export type PathSegment = string | number | { map: string } | { set: true }

const IDENTIFIER_RE = /^[A-Za-z_$][\w$]*$/

export function formatPath(root: string, path: readonly PathSegment[]): string {
  let out = root
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (typeof segment === 'string') out += IDENTIFIER_RE.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`
    else if ('map' in segment) out += `.get(${segment.map})`
    else out += '.<set element>'
  }
  return out
}

/** Thrown by the encoder; the caller adds the function and parameter. `path` grows as the error unwinds. */
export class KeyEncodingError extends TypeError {
  readonly path: PathSegment[] = []
  constructor(readonly reason: string, readonly hint: 'type' | 'circular' | 'value') {
    super(reason)
  }
}
