/** `@persist` as an annotation, not `@persist:done` (already rewritten) nor `@persist/runtime` (an import). */
export const ANNOTATION_RE = /@persist(?![\w:/-])/
