/** A value made on first use and kept, e.g. a prepared statement whose table may not exist yet. */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
