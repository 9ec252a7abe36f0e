/**
 * Edit scenarios: a small project, an edit, and whether the hash of `src/main.ts#main` (or `fn`) must change.
 * Each edit maps a file to its new content (`null` deletes it) or to a rewrite of its old content.
 */
export interface Scenario {
  name: string
  files: Record<string, string>
  edit: Record<string, string | null | ((old: string) => string)>
  expect: 'changes' | 'stays'
  /** Function id to watch. @default 'src/main.ts#main' */
  fn?: string
}

const main = (body: string, imports = '') => `${imports}\n/* @persist */\nexport function main(x: number) {\n  ${body}\n}\n`

export const scenarios: Scenario[] = [
  // --- distance through the import graph
  {
    name: 'edit a helper one module away',
    files: { 'src/main.ts': main('return helper(x)', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a helper two modules away',
    files: {
      'src/main.ts': main('return a(x)', "import { a } from './a'"),
      'src/a.ts': "import { b } from './b'\nexport function a(x: number) { return b(x) }\n",
      'src/b.ts': 'export function b(x: number) { return x * 2 }\n',
    },
    edit: { 'src/b.ts': (s) => s.replace('x * 2', 'x * 3') },
    expect: 'changes',
  },
  {
    name: 'edit a helper three modules away',
    files: {
      'src/main.ts': main('return a(x)', "import { a } from './a'"),
      'src/a.ts': "import { b } from './b'\nexport function a(x: number) { return b(x) }\n",
      'src/b.ts': "import { c } from './c'\nexport function b(x: number) { return c(x) }\n",
      'src/c.ts': 'export const c = (x: number) => x - 1\n',
    },
    edit: { 'src/c.ts': (s) => s.replace('x - 1', 'x - 2') },
    expect: 'changes',
  },
  {
    name: 'edit an unrelated sibling of a helper three modules away',
    files: {
      'src/main.ts': main('return a(x)', "import { a } from './a'"),
      'src/a.ts': "import { b } from './b'\nexport function a(x: number) { return b(x) }\n",
      'src/b.ts': "import { c } from './c'\nexport function b(x: number) { return c(x) }\n",
      'src/c.ts': 'export const c = (x: number) => x - 1\nexport const other = () => 1\n',
    },
    edit: { 'src/c.ts': (s) => s.replace('=> 1', '=> 2') },
    expect: 'stays',
  },
  {
    name: 'edit an unrelated declaration in the same file as the function',
    files: { 'src/main.ts': `${main('return x + 1')}export function other() { return 1 }\n` },
    edit: { 'src/main.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'stays',
  },
  {
    name: 'edit a local helper in the same file',
    files: { 'src/main.ts': `${main('return local(x)')}function local(x: number) { return x }\n` },
    edit: { 'src/main.ts': (s) => s.replace('return x }', 'return -x }') },
    expect: 'changes',
  },
  {
    name: 'edit the function’s own body',
    files: { 'src/main.ts': main('return x + 1') },
    edit: { 'src/main.ts': (s) => s.replace('x + 1', 'x + 10') },
    expect: 'changes',
  },
  {
    name: 'edit a default parameter value of the function',
    files: { 'src/main.ts': '/* @persist */\nexport function main(x: number, y = 2) { return x * y }\n' },
    edit: { 'src/main.ts': (s) => s.replace('y = 2', 'y = 3') },
    expect: 'changes',
  },
  // --- barrels, re-exports, namespaces, defaults
  {
    name: 'edit through a barrel (export *)',
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './lib'"),
      'src/lib/index.ts': "export * from './helper'\nexport * from './other'\n",
      'src/lib/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
      'src/lib/other.ts': 'export function other() { return 1 }\n',
    },
    edit: { 'src/lib/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit another module of the same barrel',
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './lib'"),
      'src/lib/index.ts': "export * from './helper'\nexport * from './other'\n",
      'src/lib/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
      'src/lib/other.ts': 'export function other() { return 1 }\n',
    },
    edit: { 'src/lib/other.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'stays',
  },
  {
    name: 'edit through a renaming re-export (export { x as y } from)',
    files: {
      'src/main.ts': main('return plusOne(x)', "import { plusOne } from './lib'"),
      'src/lib.ts': "export { inc as plusOne } from './inc'\n",
      'src/inc.ts': 'export function inc(x: number) { return x + 1 }\n',
    },
    edit: { 'src/inc.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit the member used through a namespace import',
    files: {
      'src/main.ts': main('return ns.a(x)', "import * as ns from './ns'"),
      'src/ns.ts': 'export function a(x: number) { return x }\nexport function b() { return 1 }\n',
    },
    edit: { 'src/ns.ts': (s) => s.replace('return x', 'return x + 1') },
    expect: 'changes',
  },
  {
    name: 'edit a member not used through a namespace import',
    files: {
      'src/main.ts': main('return ns.a(x)', "import * as ns from './ns'"),
      'src/ns.ts': 'export function a(x: number) { return x }\nexport function b() { return 1 }\n',
    },
    edit: { 'src/ns.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'stays',
  },
  {
    name: 'edit any member of a namespace used as a whole value',
    files: {
      'src/main.ts': main('return Object.keys(ns).length + x', "import * as ns from './ns'"),
      'src/ns.ts': 'export function a(x: number) { return x }\nexport function b() { return 1 }\n',
    },
    edit: { 'src/ns.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'changes',
  },
  {
    name: 'edit a default-exported function',
    files: { 'src/main.ts': main('return helper(x)', "import helper from './helper'"), 'src/helper.ts': 'export default function (x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a default-exported object literal',
    files: { 'src/main.ts': main('return cfg.rate * x', "import cfg from './cfg'"), 'src/cfg.ts': 'export default { rate: 2 }\n' },
    edit: { 'src/cfg.ts': (s) => s.replace('2', '3') },
    expect: 'changes',
  },
  {
    name: 'edit a class behind a default export',
    files: { 'src/main.ts': main('return new Calc().run(x)', "import Calc from './calc'"), 'src/calc.ts': 'export default class Calc { run(x: number) { return x * 2 } }\n' },
    edit: { 'src/calc.ts': (s) => s.replace('x * 2', 'x * 4') },
    expect: 'changes',
  },
  // --- constants, classes, enums
  {
    name: 'edit a module-level constant',
    files: { 'src/main.ts': main('return x * RATE', "import { RATE } from './rates'"), 'src/rates.ts': 'export const RATE = 2\nexport const OTHER = 5\n' },
    edit: { 'src/rates.ts': (s) => s.replace('RATE = 2', 'RATE = 3') },
    expect: 'changes',
  },
  {
    name: 'edit a constant reached through another constant’s initializer',
    files: { 'src/main.ts': main('return x * RATE', "import { RATE } from './rates'"), 'src/rates.ts': 'const BASE = 2\nexport const RATE = BASE * 10\n' },
    edit: { 'src/rates.ts': (s) => s.replace('BASE = 2', 'BASE = 3') },
    expect: 'changes',
  },
  {
    name: 'edit a class method reached only through a type annotation',
    files: {
      'src/main.ts': "import type { Svc } from './svc'\n/* @persist */\nexport function main(s: Svc) { return s.compute() }\n",
      'src/svc.ts': 'export class Svc { compute() { return 1 } }\n',
    },
    edit: { 'src/svc.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'changes',
  },
  {
    name: 'edit a class reached through a type alias of it',
    files: {
      'src/main.ts': "import type { AnySvc } from './types'\n/* @persist */\nexport function main(s: AnySvc) { return s.compute() }\n",
      'src/types.ts': "import type { Svc } from './svc'\nexport type AnySvc = Svc | null\n",
      'src/svc.ts': 'export class Svc { compute() { return 1 } }\n',
    },
    edit: { 'src/svc.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'changes',
  },
  {
    name: 'edit an interface used as a parameter type',
    files: {
      'src/main.ts': "import type { Shape } from './shape'\n/* @persist */\nexport function main(s: Shape) { return s.size }\n",
      'src/shape.ts': 'export interface Shape { size: number }\n',
    },
    edit: { 'src/shape.ts': (s) => s.replace('size: number', 'size: number; name?: string') },
    expect: 'stays',
  },
  {
    name: 'edit a class field initializer',
    files: { 'src/main.ts': main('return new Box().size * x', "import { Box } from './box'"), 'src/box.ts': 'export class Box { size = 2 }\n' },
    edit: { 'src/box.ts': (s) => s.replace('size = 2', 'size = 3') },
    expect: 'changes',
  },
  {
    name: 'edit an enum member value',
    files: { 'src/main.ts': main('return x + Level.High', "import { Level } from './level'"), 'src/level.ts': 'export enum Level { Low = 1, High = 5 }\n' },
    edit: { 'src/level.ts': (s) => s.replace('High = 5', 'High = 6') },
    expect: 'changes',
  },
  {
    name: 'edit a method the persisted method calls through this',
    fn: 'src/main.ts#Svc.compute',
    files: { 'src/main.ts': 'export class Svc {\n  /* @persist */\n  compute(x: number) { return this.step(x) }\n  step(x: number) { return x + 1 }\n}\n' },
    edit: { 'src/main.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit another method next to a static persisted method that uses no this',
    fn: 'src/main.ts#Svc.compute',
    files: { 'src/main.ts': 'export class Svc {\n  /* @persist */\n  static compute(x: number) { return x * 2 }\n  other() { return 1 }\n}\n' },
    edit: { 'src/main.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'stays',
  },
  // --- cycles
  {
    name: 'edit inside a cycle within one module',
    files: {
      'src/main.ts': `${main('return isEven(x) ? 1 : 0')}function isEven(n: number): boolean { return n === 0 ? true : isOdd(n - 1) }\nfunction isOdd(n: number): boolean { return n === 0 ? false : isEven(n - 1) }\n`,
    },
    edit: { 'src/main.ts': (s) => s.replace('n === 0 ? false', 'n === 0 ? Boolean(0)') },
    expect: 'changes',
  },
  {
    name: 'edit inside a cycle across modules',
    files: {
      'src/main.ts': main('return ping(x)', "import { ping } from './ping'"),
      'src/ping.ts': "import { pong } from './pong'\nexport function ping(n: number): number { return n <= 0 ? 0 : pong(n - 1) }\n",
      'src/pong.ts': "import { ping } from './ping'\nexport function pong(n: number): number { return n <= 0 ? 1 : ping(n - 1) }\n",
    },
    edit: { 'src/pong.ts': (s) => s.replace('? 1', '? 2') },
    expect: 'changes',
  },
  {
    name: 'edit an unrelated declaration in a module of a cycle',
    files: {
      'src/main.ts': main('return ping(x)', "import { ping } from './ping'"),
      'src/ping.ts': "import { pong } from './pong'\nexport function ping(n: number): number { return n <= 0 ? 0 : pong(n - 1) }\n",
      'src/pong.ts': "import { ping } from './ping'\nexport function pong(n: number): number { return n <= 0 ? 1 : ping(n - 1) }\nexport const unrelated = 1\n",
    },
    edit: { 'src/pong.ts': (s) => s.replace('unrelated = 1', 'unrelated = 2') },
    expect: 'stays',
  },
  // --- edits that must not count
  {
    name: 'edit a comment in a helper',
    files: { 'src/main.ts': main('return helper(x)', "import { helper } from './helper'"), 'src/helper.ts': '// adds one\nexport function helper(x: number) { /* inline */ return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('adds one', 'adds exactly one').replace('inline', 'changed') },
    expect: 'stays',
  },
  {
    name: 'reformat the function (whitespace, line breaks, parentheses, semicolons)',
    files: { 'src/main.ts': main('const y = (x + 1) * 2;\n  return y;') },
    edit: { 'src/main.ts': (s) => s.replace('const y = (x + 1) * 2;\n  return y;', 'const y =\n    ((x + 1)) *\n    2\n\n  return (y)') },
    expect: 'stays',
  },
  {
    name: 'change quote style and number spelling',
    files: { 'src/main.ts': main("return x + 16 + 'a'.length") },
    edit: { 'src/main.ts': (s) => s.replace("16 + 'a'", '0x10 + "a"') },
    expect: 'stays',
  },
  {
    name: 'change only type annotations',
    files: { 'src/main.ts': '/* @persist */\nexport function main(x: number): number { const y: number = x; return y }\n' },
    edit: { 'src/main.ts': (s) => s.replace('(x: number): number', '(x: number | bigint): number | string').replace('y: number', 'y: any') },
    expect: 'stays',
  },
  {
    name: 'add as, satisfies and non-null assertions',
    files: { 'src/main.ts': main('const o = { a: x }\n  return o.a') },
    edit: { 'src/main.ts': (s) => s.replace('{ a: x }', '({ a: x } satisfies { a: number }) as { a: number }').replace('o.a', 'o!.a!') },
    expect: 'stays',
  },
  {
    name: 'edit a type alias and an interface in an imported module',
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './helper'"),
      'src/helper.ts': 'export type N = number\nexport interface Opts { a: N }\nexport function helper(x: N, o?: Opts) { return x }\n',
    },
    edit: { 'src/helper.ts': (s) => s.replace('type N = number', 'type N = number | string').replace('a: N', 'a: N; b: string') },
    expect: 'stays',
  },
  {
    name: 'change an import of a type to import type',
    files: {
      'src/main.ts': "import { Opts } from './opts'\n/* @persist */\nexport function main(o: Opts) { return o.a }\n",
      'src/opts.ts': 'export interface Opts { a: number }\n',
    },
    edit: { 'src/main.ts': (s) => s.replace('import { Opts }', 'import type { Opts }') },
    expect: 'stays',
  },
  {
    name: 'reorder declarations in a helper module',
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './helper'"),
      'src/helper.ts': 'const K = 2\nexport function helper(x: number) { return x * K + other() }\nfunction other() { return 1 }\n',
    },
    edit: { 'src/helper.ts': () => 'function other() { return 1 }\nexport function helper(x: number) { return x * K + other() }\nconst K = 2\n' },
    expect: 'stays',
  },
  {
    name: 'add an unused import',
    files: { 'src/main.ts': main('return x + 1'), 'src/unused.ts': 'export const u = 1\n' },
    edit: { 'src/main.ts': (s) => `import { u } from './unused'\n${s}` },
    expect: 'stays',
  },
  {
    name: 'move the function to another line',
    files: { 'src/main.ts': `const a = 1\n${main('return x + a')}` },
    edit: { 'src/main.ts': (s) => `\n\n\n// moved down\n${s}` },
    expect: 'stays',
  },
  {
    name: 'reformat the @persist options',
    files: { 'src/main.ts': '/* @persist({ version: 1 }) */\nexport function main(x: number) { return x }\n' },
    edit: { 'src/main.ts': (s) => s.replace('{ version: 1 }', '{\n  version: 1,\n}') },
    expect: 'stays',
  },
  {
    name: 'change the @persist options',
    files: { 'src/main.ts': '/* @persist({ version: 1 }) */\nexport function main(x: number) { return x }\n' },
    edit: { 'src/main.ts': (s) => s.replace('version: 1', 'version: 2') },
    expect: 'changes',
  },
  // --- resolution
  {
    name: 'edit a helper imported through a tsconfig path alias',
    files: {
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['src/*'] } } }),
      'src/main.ts': main('return helper(x)', "import { helper } from '@/util/helper'"),
      'src/util/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
    },
    edit: { 'src/util/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a .ts helper imported with a .js specifier',
    files: { 'src/main.ts': main('return helper(x)', "import { helper } from './helper.js'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'bump the version of a package in node_modules',
    files: {
      'src/main.ts': main('return pad(x)', "import { pad } from 'left-pad-lite'"),
      'node_modules/left-pad-lite/package.json': JSON.stringify({ name: 'left-pad-lite', version: '1.0.0', type: 'module', exports: './index.js' }),
      'node_modules/left-pad-lite/index.js': 'export const pad = (x) => x\n',
    },
    edit: { 'node_modules/left-pad-lite/package.json': (s) => s.replace('1.0.0', '1.0.1') },
    expect: 'changes',
  },
  {
    name: 'edit the source of a package without a version change',
    files: {
      'src/main.ts': main('return pad(x)', "import { pad } from 'left-pad-lite'"),
      'node_modules/left-pad-lite/package.json': JSON.stringify({ name: 'left-pad-lite', version: '1.0.0', type: 'module', exports: './index.js' }),
      'node_modules/left-pad-lite/index.js': 'export const pad = (x) => x\n',
    },
    edit: { 'node_modules/left-pad-lite/index.js': (s) => s.replace('=> x', '=> x + 1') },
    expect: 'stays',
  },
  {
    name: 'switch a used import from one builtin module to another',
    files: { 'src/main.ts': main('return join(String(x))', "import { join } from 'node:path'") },
    edit: { 'src/main.ts': (s) => s.replace("'node:path'", "'node:path/posix'") },
    expect: 'changes',
  },
  {
    name: 'edit an imported JSON file',
    files: { 'src/main.ts': main('return x * data.rate', "import data from './data.json'"), 'src/data.json': '{ "rate": 2 }\n' },
    edit: { 'src/data.json': '{ "rate": 3 }\n' },
    expect: 'changes',
  },
  {
    name: 'edit a JSON file nobody imports',
    files: { 'src/main.ts': main('return x * data.rate', "import data from './data.json'"), 'src/data.json': '{ "rate": 2 }\n', 'src/other.json': '{}\n' },
    edit: { 'src/other.json': '{ "a": 1 }\n' },
    expect: 'stays',
  },
  {
    name: 'edit a module reached through a literal dynamic import',
    files: { 'src/main.ts': "/* @persist */\nexport async function main(x: number) { const m = await import('./lazy'); return m.f(x) }\n", 'src/lazy.ts': 'export const f = (x: number) => x\n' },
    edit: { 'src/lazy.ts': (s) => s.replace('=> x', '=> x + 1') },
    expect: 'changes',
  },
  {
    name: 'edit any declaration of a module that uses a computed dynamic import',
    files: { 'src/main.ts': `${main("return import('./' + x)")}export const unrelated = 1\n` },
    edit: { 'src/main.ts': (s) => s.replace('unrelated = 1', 'unrelated = 2') },
    expect: 'changes',
  },
  // --- scope analysis
  {
    name: 'edit a module-level helper shadowed by a local variable',
    files: { 'src/main.ts': main('const helper = (n: number) => n\n  return helper(x)', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a module-level helper shadowed by a parameter',
    files: { 'src/main.ts': "import { helper } from './helper'\n/* @persist */\nexport function main(helper: (n: number) => number) { return helper(1) }\n", 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a helper shadowed by a var declared later in the function (hoisting)',
    files: { 'src/main.ts': main('const r = helper\n  var helper = 1\n  return r', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a helper shadowed by a nested function declaration (hoisting)',
    files: { 'src/main.ts': main('return helper(x)\n  function helper(n: number) { return n }', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a helper used after a block that shadows it (block scope)',
    files: { 'src/main.ts': main('{ const helper = 1; void helper }\n  return helper(x)', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a helper shadowed by a destructured local',
    files: { 'src/main.ts': main('const { helper } = { helper: (n: number) => n }\n  return helper(x)', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a module-level destructured binding’s source',
    files: { 'src/main.ts': `${main('return x * rate')}const { rate } = settings()\nfunction settings() { return { rate: 2 } }\n` },
    edit: { 'src/main.ts': (s) => s.replace('rate: 2', 'rate: 3') },
    expect: 'changes',
  },
  {
    name: 'edit a helper shadowed by a catch parameter',
    files: { 'src/main.ts': main('try { throw x } catch (helper) { return helper }', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a module-level function that has the name of a class member and an object key',
    files: {
      'src/main.ts': main('const o = { helper: 1 }\n  class K { helper() { return 2 } }\n  return o.helper + new K().helper() + x', "import { helper } from './helper'"),
      'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
    },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a module-level function that has the name of a label',
    files: { 'src/main.ts': main('helper: for (;;) { break helper }\n  return x', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a helper imported under an alias',
    files: { 'src/main.ts': main('return h(x)', "import { helper as h } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  // --- state
  {
    name: 'edit a function that reassigns a module-level let the function reads',
    files: { 'src/main.ts': main('return x + count', "import { count } from './counter'"), 'src/counter.ts': 'export let count = 0\nexport function bump() { count += 1 }\n' },
    edit: { 'src/counter.ts': (s) => s.replace('count += 1', 'count += 2') },
    expect: 'changes',
  },
  {
    name: 'edit a top-level statement that mutates a constant object',
    files: { 'src/main.ts': main('return x * cfg.rate', "import { cfg } from './cfg'"), 'src/cfg.ts': 'export const cfg: { rate?: number } = {}\ncfg.rate = 2\n' },
    edit: { 'src/cfg.ts': (s) => s.replace('rate = 2', 'rate = 3') },
    expect: 'changes',
  },
  // --- more module forms
  {
    name: 'edit a default export re-exported by name (export { default } from)',
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './lib'"),
      'src/lib.ts': "export { default as helper } from './impl'\n",
      'src/impl.ts': 'export default function (x: number) { return x + 1 }\n',
    },
    edit: { 'src/impl.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit through export * as ns',
    files: {
      'src/main.ts': main('return util.a(x)', "import { util } from './lib'"),
      'src/lib.ts': "export * as util from './util'\n",
      'src/util.ts': 'export const a = (x: number) => x\n',
    },
    edit: { 'src/util.ts': (s) => s.replace('=> x', '=> x + 1') },
    expect: 'changes',
  },
  {
    name: 'edit a member read with a computed string key on a namespace (not used)',
    files: {
      'src/main.ts': main("return ns['a'](x)", "import * as ns from './ns'"),
      'src/ns.ts': 'export function a(x: number) { return x }\nexport function b() { return 1 }\n',
    },
    edit: { 'src/ns.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'stays',
  },
  {
    name: 'edit a CommonJS module loaded with require',
    files: { 'src/main.ts': main("return require('./legacy.cjs').f(x)"), 'src/legacy.cjs': 'exports.f = (x) => x\n' },
    edit: { 'src/legacy.cjs': (s) => s.replace('=> x', '=> x + 1') },
    expect: 'changes',
  },
  {
    name: 'edit a CommonJS module imported by name',
    files: { 'src/main.ts': main('return f(x)', "import { f } from './legacy.cjs'"), 'src/legacy.cjs': 'module.exports = { f: (x) => x }\n' },
    edit: { 'src/legacy.cjs': (s) => s.replace('=> x', '=> x * 2') },
    expect: 'changes',
  },
  {
    name: 'edit a helper reached through a package.json imports alias (#lib)',
    files: {
      'package.json': JSON.stringify({ name: 'app', type: 'module', imports: { '#lib/*': './src/lib/*.ts' } }),
      'src/main.ts': main('return helper(x)', "import { helper } from '#lib/helper'"),
      'src/lib/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
    },
    edit: { 'src/lib/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'point a tsconfig path alias at another file',
    files: {
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@cfg': ['src/a.ts'] } } }),
      'src/main.ts': main('return x * rate', "import { rate } from '@cfg'"),
      'src/a.ts': 'export const rate = 1\n',
      'src/b.ts': 'export const rate = 2\n',
    },
    edit: { 'tsconfig.json': (s) => s.replace('src/a.ts', 'src/b.ts') },
    expect: 'changes',
  },
  {
    name: 'add a file in an earlier fallback of a tsconfig path alias',
    files: {
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['gen/*', 'src/lib/*'] } } }),
      'src/main.ts': main('return helper(x)', "import { helper } from '@lib/helper'"),
      'src/lib/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
      'gen/readme.md': 'generated modules go here\n',
    },
    edit: { 'gen/helper.ts': 'export function helper(x: number) { return x + 2 }\n' },
    expect: 'changes',
  },
  {
    name: 'point a path alias of a referenced tsconfig project at another file',
    files: {
      'tsconfig.json': JSON.stringify({ files: [], references: [{ path: './src' }] }),
      'src/tsconfig.json': JSON.stringify({ compilerOptions: { composite: true, paths: { '@cfg': ['./a.ts'] } } }),
      'src/main.ts': main('return x * rate', "import { rate } from '@cfg'"),
      'src/a.ts': 'export const rate = 1\n',
      'src/b.ts': 'export const rate = 2\n',
    },
    edit: { 'src/tsconfig.json': (s) => s.replace('./a.ts', './b.ts') },
    expect: 'changes',
  },
  {
    name: "point the main of a directory's package.json at another file",
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './lib'"),
      'src/lib/package.json': JSON.stringify({ main: 'a.js' }),
      'src/lib/a.js': 'export function helper(x) { return x + 1 }\n',
      'src/lib/b.js': 'export function helper(x) { return x + 2 }\n',
    },
    edit: { 'src/lib/package.json': (s) => s.replace('a.js', 'b.js') },
    expect: 'changes',
  },
  // --- more code forms
  {
    name: 'edit a helper called from an object-literal method',
    files: { 'src/main.ts': `${main('return api.run(x)', "import { helper } from './helper'")}const api = { run(n: number) { return helper(n) } }\n`, 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a getter, a static block and a private method of a class the function uses',
    files: { 'src/main.ts': main('return new K().v + x', "import { K } from './k'"), 'src/k.ts': 'export class K {\n  static s = 0\n  static { K.s = 1 }\n  get v() { return this.#p() }\n  #p() { return 1 }\n}\n' },
    edit: { 'src/k.ts': (s) => s.replace('#p() { return 1 }', '#p() { return 2 }') },
    expect: 'changes',
  },
  {
    name: 'edit a decorator applied to a class the function uses',
    files: {
      'src/main.ts': main('return new K().v + x', "import { K } from './k'"),
      'src/k.ts': "import { tag } from './tag'\n@tag\nexport class K { v = 1 }\n",
      'src/tag.ts': 'export function tag(c: unknown, _ctx?: unknown) { return c }\n',
    },
    edit: { 'src/tag.ts': (s) => s.replace('return c', 'return c as never') + 'export const changed = true\n' },
    expect: 'stays',
  },
  {
    name: 'edit the body of a decorator applied to a class the function uses',
    files: {
      'src/main.ts': main('return new K().v + x', "import { K } from './k'"),
      'src/k.ts': "import { tag } from './tag'\n@tag\nexport class K { v = 1 }\n",
      'src/tag.ts': 'export function tag(c: unknown, _ctx?: unknown) { return c }\n',
    },
    edit: { 'src/tag.ts': (s) => s.replace('return c', 'console.log(c); return c') },
    expect: 'changes',
  },
  {
    name: 'edit a TypeScript namespace member',
    files: { 'src/main.ts': main('return x * Util.k', "import { Util } from './util'"), 'src/util.ts': 'export namespace Util { export const k = 2 }\n' },
    edit: { 'src/util.ts': (s) => s.replace('k = 2', 'k = 3') },
    expect: 'changes',
  },
  {
    name: 'edit a component used in JSX',
    fn: 'src/main.tsx#main',
    files: {
      'src/main.tsx': "import { Button } from './button'\n/* @persist */\nexport function main() { return <Button label=\"a\" /> }\n",
      'src/button.tsx': 'export function Button(p: { label: string }) { return <b>{p.label}</b> }\n',
    },
    edit: { 'src/button.tsx': (s) => s.replace('<b>', '<i>').replace('</b>', '</i>') },
    expect: 'changes',
  },
  {
    name: 'edit a constant used as a default parameter value',
    files: { 'src/main.ts': `/* @persist */\nexport function main(x = DEFAULT) { return x }\nconst DEFAULT = 1\n` },
    edit: { 'src/main.ts': (s) => s.replace('DEFAULT = 1', 'DEFAULT = 2') },
    expect: 'changes',
  },
  {
    name: 'turn a member access into optional chaining',
    files: { 'src/main.ts': main('const o = { a: x }\n  return o.a') },
    edit: { 'src/main.ts': (s) => s.replace('o.a', 'o?.a') },
    expect: 'changes',
  },
  {
    name: 'edit a regular expression flag',
    files: { 'src/main.ts': main("return /a/.test(String(x)) ? 1 : 0") },
    edit: { 'src/main.ts': (s) => s.replace('/a/.test', '/a/i.test') },
    expect: 'changes',
  },
  {
    name: 'edit a helper of a persisted arrow function',
    fn: 'src/main.ts#f',
    files: { 'src/main.ts': "import { helper } from './helper'\n/* @persist */\nexport const f = async (x: number) => helper(x)\n", 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a helper of a persisted anonymous default export',
    fn: 'src/main.ts#default',
    files: { 'src/main.ts': "import { helper } from './helper'\n/* @persist */\nexport default async (x: number) => helper(x)\n", 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit another persisted function in the same file',
    files: { 'src/main.ts': `${main('return x')}/* @persist */\nexport function other(x: number) { return x + 1 }\n` },
    edit: { 'src/main.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'stays',
  },
  {
    name: 'edit a recursive function’s body',
    files: { 'src/main.ts': '/* @persist */\nexport function main(x: number): number { return x <= 0 ? 0 : 1 + main(x - 1) }\n' },
    edit: { 'src/main.ts': (s) => s.replace('1 + main', '2 + main') },
    expect: 'changes',
  },
  {
    name: 'edit a generic type parameter constraint only',
    files: { 'src/main.ts': '/* @persist */\nexport function main<T extends number>(x: T) { return x }\n' },
    edit: { 'src/main.ts': (s) => s.replace('T extends number', 'T extends number | bigint = number') },
    expect: 'stays',
  },
  {
    name: 'point a package.json imports alias at another file',
    files: {
      'package.json': JSON.stringify({ name: 'app', type: 'module', imports: { '#cfg': './src/a.ts' } }),
      'src/main.ts': main('return x * rate', "import { rate } from '#cfg'"),
      'src/a.ts': 'export const rate = 1\n',
      'src/b.ts': 'export const rate = 2\n',
    },
    edit: { 'package.json': (s) => s.replace('src/a.ts', 'src/b.ts') },
    expect: 'changes',
  },
  {
    name: 'add a property typed with another interface to an interface used as a parameter type',
    files: {
      'src/main.ts': "import type { Opts } from './opts'\n/* @persist */\nexport function main(o: Opts) { return o.a }\n",
      'src/opts.ts': 'export interface Opts { a: number }\nexport interface Extra { b: string }\n',
    },
    edit: { 'src/opts.ts': (s) => s.replace('a: number }', 'a: number; extra?: Extra }') },
    expect: 'stays',
  },
  {
    name: 'edit a class reached through a property type of an interface',
    files: {
      'src/main.ts': "import type { Opts } from './opts'\n/* @persist */\nexport function main(o: Opts) { return o.svc.run() }\n",
      'src/opts.ts': "import type { Svc } from './svc'\nexport interface Opts { svc: Svc }\n",
      'src/svc.ts': 'export class Svc { run() { return 1 } }\n',
    },
    edit: { 'src/svc.ts': (s) => s.replace('return 1', 'return 2') },
    expect: 'changes',
  },
  {
    name: 'edit a base-class method that a persisted method reaches through this',
    fn: 'src/main.ts#Svc.compute',
    files: {
      'src/main.ts': "import { Base } from './base'\nexport class Svc extends Base {\n  /* @persist */\n  compute(x: number) { return this.step(x) }\n}\n",
      'src/base.ts': 'export class Base { step(x: number) { return x + 1 } }\n',
    },
    edit: { 'src/base.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit through two levels of export * barrels',
    files: {
      'src/main.ts': main('return helper(x)', "import { helper } from './outer'"),
      'src/outer.ts': "export * from './inner'\n",
      'src/inner.ts': "export * from './helper'\n",
      'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n',
    },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a local function exported as default by name (export default helper)',
    files: { 'src/main.ts': main('return h(x)', "import h from './helper'"), 'src/helper.ts': 'function helper(x: number) { return x + 1 }\nexport default helper\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a helper passed as a callback',
    files: { 'src/main.ts': main('return [x].map(helper)[0]', "import { helper } from './helper'"), 'src/helper.ts': 'export function helper(x: number) { return x + 1 }\n' },
    edit: { 'src/helper.ts': (s) => s.replace('x + 1', 'x + 2') },
    expect: 'changes',
  },
  {
    name: 'edit a const enum member',
    files: { 'src/main.ts': main('return x + Flag.On', "import { Flag } from './flag'"), 'src/flag.ts': 'export const enum Flag { Off = 0, On = 1 }\n' },
    edit: { 'src/flag.ts': (s) => s.replace('On = 1', 'On = 2') },
    expect: 'changes',
  },
]
