// A module an adapter needs only when it first does its work (an AWS SDK client the function may never call in
// a given container), loaded then and kept for the life of the process. The import stays a literal
// `import('...')` in the caller, so esbuild still sees which package it is.

/** `load` run on the first call and its result shared; a failed load is tried again on the next call. */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
