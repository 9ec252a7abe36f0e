/** Types taught to persist with `registerType`: how to key them and how to store them. */

export interface TypeHandlers<T = any> {
  /** Maps an instance to something persist can encode into a key (a string, a plain object, bytes, …). */
  key?: (value: T) => unknown
  /** Turns an instance into a value v8 can store faithfully (plain data). */
  serialize?: (value: T) => unknown
  /** Rebuilds an instance from what `serialize` returned. */
  deserialize?: (data: any) => T
  /** Stable name stored in entries and keys. @default the class name */
  name?: string
}

export interface RegisteredType extends TypeHandlers {
  name: string
  prototype: object
}

const byPrototype = new Map<object, RegisteredType>()
const byName = new Map<string, RegisteredType>()

/**
 * Teaches persist a class: `key` lets its instances appear in arguments, `serialize`/`deserialize` let them
 * appear in results. Only instances of exactly this class match (a subclass may carry more state).
 */
export function registerType<T>(Class: abstract new (...args: any[]) => T, handlers: TypeHandlers<T>): void {
  if (typeof Class !== 'function' || typeof Class.prototype !== 'object') {
    throw new TypeError('persist: registerType(Class, handlers) needs a class as first argument')
  }
  if ((handlers.serialize === undefined) !== (handlers.deserialize === undefined)) {
    throw new TypeError(`persist: registerType(${Class.name}): give both serialize and deserialize, or neither`)
  }
  const name = handlers.name ?? Class.name
  if (!name) throw new TypeError('persist: registerType needs a name for an anonymous class: registerType(C, { name })')
  const existing = byName.get(name)
  if (existing && existing.prototype !== Class.prototype) {
    throw new TypeError(`persist: registerType: another class is already registered as "${name}"; pass { name }`)
  }
  const entry: RegisteredType = { ...handlers, name, prototype: Class.prototype }
  byPrototype.set(Class.prototype, entry)
  byName.set(name, entry)
}

export function registeredTypeOf(value: object): RegisteredType | undefined {
  return byPrototype.size === 0 ? undefined : byPrototype.get(Object.getPrototypeOf(value))
}

export function registeredTypeNamed(name: string): RegisteredType | undefined {
  return byName.get(name)
}

/** A readable name of a value's type for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value
  if (typeof value === 'function') return value.name ? `a function (${value.name})` : 'a function'
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
  return ctor?.name ? `an instance of ${ctor.name}` : 'an object with a custom prototype'
}
