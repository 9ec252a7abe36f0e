/**
 * Runs a file operation whose failure the caller can live with (a leftover already gone, a file another process
 * took first): whether it succeeded, never an exception.
 */
export function quietly(action: () => void): boolean {
  try {
    action()
    return true
  } catch {
    return false
  }
}
