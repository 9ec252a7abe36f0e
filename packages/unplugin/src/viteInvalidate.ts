import type { ViteDevServer } from 'vite'

interface GraphLike {
  getModulesByFile(file: string): Set<object> | undefined
  invalidateModule(mod: never): void
}

/** Drops the cached transform of `files` in every environment (client, SSR), so the next load re-hashes them. */
export function invalidateViteDependents(server: ViteDevServer, files: readonly string[]): void {
  if (files.length === 0) return
  const graphs: GraphLike[] = server.environments
    ? Object.values(server.environments).map((environment) => environment.moduleGraph)
    : [server.moduleGraph]
  for (const graph of graphs) {
    for (const file of files) {
      for (const mod of graph.getModulesByFile(file) ?? []) graph.invalidateModule(mod as never)
    }
  }
}
