// Builds what is missing or older than its sources (so `npm start` just works on a fresh clone):
// dist/ with SWC from src/, and the web client (web/dist, served at /) with Vite from web/.
// Test files in parallel processes may call this at once: a lock directory lets one build at a time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LOCK = join('node_modules', '.build-if-stale.lock');
const LOCK_STALE_MS = 180_000;

function newest(dir, skip = new Set()) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path, skip) : statSync(path).mtimeMs);
  }
  return latest;
}

function stale(stamp, sources) {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < sources;
}

function lock() {
  for (;;) {
    try {
      mkdirSync(LOCK, { recursive: false });
      return;
    } catch (error) {
      if (error.code === 'ENOENT') {
        // No node_modules (nothing installed yet): nothing to race with.
        return;
      }
      if (error.code !== 'EEXIST') throw error;
      // A lock left by a killed build is taken over.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > LOCK_STALE_MS)
        rmSync(LOCK, { force: true, recursive: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

const serverStale = () => existsSync('src') && stale('dist/main.js', newest('src'));
// The web client bundles the SDK from its source: a change there is a change of the client.
const webSources = () =>
  Math.max(
    newest('web', new Set(['dist', 'node_modules'])),
    existsSync('packages/client/src') ? newest('packages/client/src') : 0,
  );
const webStale = () => existsSync('web') && stale('web/dist/index.html', webSources());

if (serverStale() || webStale()) {
  lock();
  try {
    // Checked again under the lock: another process may have just built it.
    if (serverStale()) execFileSync('npm', ['run', '--silent', 'build:server'], { stdio: 'inherit' });
    if (webStale()) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
  } finally {
    rmSync(LOCK, { force: true, recursive: true });
  }
}
