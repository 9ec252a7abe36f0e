// What a plugin needs before it meets a module to analyse: options, the annotation test, diagnostics, the
// manifest, the transform-output cache and the snapshots of builds. Loads neither the parser, the
// resolver nor magic-string, so a warm build whose modules all come from the output cache never loads them.
export { ANNOTATION_RE } from './annotationMarker'
export * from './diagnostics'
export * from './buildSnapshot'
export * from './manifest'
export * from './options'
export * from './outputCache'
export type { PersistedFunction, TransformResult, TransformSourceMap } from './transform'
