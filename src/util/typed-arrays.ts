/**
 * `array` if index `i` is inside it, else a copy at least twice as long with the new entries set to `fill`: the
 * tables kept by paper seq (the lexicon's norms, spans and categories) grow so as papers arrive.
 */
export function withRoomFor<T extends Int32Array | Float32Array>(array: T, i: number, fill = 0): T {
  if (i < array.length) return array;
  const grown = new (array.constructor as new (length: number) => T)(Math.max(i + 1, 2 * array.length));
  if (fill !== 0) grown.fill(fill, array.length);
  grown.set(array);
  return grown;
}
