// @ts-nocheck
/* @persist */
export const f = (x: number) => {
  return arguments.length + x
}
