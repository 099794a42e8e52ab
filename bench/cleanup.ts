// What to undo when the run ends, fails or is interrupted: stop child processes, drop the
// databases the run created, remove temporary folders. Newest first, each at most once.

type Task = () => void | Promise<void>;

const tasks = new Set<Task>();

/** Registers a task; the returned function unregisters it (when the thing was undone normally). */
export function onCleanup(task: Task): () => void {
  tasks.add(task);
  return () => void tasks.delete(task);
}

export async function cleanupAll(): Promise<void> {
  for (const task of [...tasks].reverse()) {
    tasks.delete(task);
    try {
      await task();
    } catch (err) {
      process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

let interrupted = false;

/** Ctrl-C or SIGTERM: undo everything, then exit 130 (a second signal exits at once). */
export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write(`\n${signal}: cleaning up…\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}
