/**
 * Wraps an async task so that bursts of triggers run it at most once at a time, and once more after a run if
 * triggered during it (that run may have started before the latest change). Errors go to `onError`.
 */
export function coalescing(task: () => Promise<unknown>, onError: (err: Error) => void): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    running = true;
    try {
      do {
        again = false;
        await task().catch(onError);
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void run();
  };
}
