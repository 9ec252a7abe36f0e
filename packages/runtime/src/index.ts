/**
 * @persist/runtime: what functions marked `/* @persist *\/` call once the plugin rewrote them, and the API to
 * configure and inspect their caches.
 */
export { register } from './register'
export type { Registration, PersistStats } from './register'
export type { FunctionMeta } from './resolve'
export { link, persisted } from './handle'
export type { PersistedHandle, PersistedEntry } from './handle'
export { configure } from './config'
export type { RuntimeOptions, Mode } from './config'
export { functionOptionNames, validateFunctionOptions } from './options'
export type { FunctionOptions, KeyOption, KeyMapper, StoreKind } from './options'
export { stableHash, dropIfEqual, fileContent } from './key/helpers'
export { registerType } from './key/types'
export { random } from './random'
export type { PersistRandom } from './random'
export type { OutFileRecord } from './outFiles/record'
export type { TypeHandlers } from './key/types'
export type { Store, EntryKey, StoredEntry, MaybePromise } from './stores/store'
