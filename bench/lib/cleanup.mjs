// Cleanup that must happen even when the bench is interrupted (Ctrl-C, SIGTERM): dropping the run's
// database. Servers are killed separately (servers.mjs keeps track of them).
const tasks = new Set();

/** Registers `task` (async) to run on interruption; returns a function that unregisters it. */
export function onInterrupt(task) {
  tasks.add(task);
  return () => tasks.delete(task);
}

/** Runs the registered tasks, each given at most `timeoutMs`. */
export async function runInterruptTasks(timeoutMs = 5000) {
  const pending = [...tasks].map((task) =>
    Promise.race([
      Promise.resolve()
        .then(task)
        .catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, timeoutMs)),
    ]),
  );
  tasks.clear();
  await Promise.all(pending);
}
