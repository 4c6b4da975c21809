// Builds dist/ with SWC when it is missing or older than any file in src/ (so `npm start` just works).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const stamp = 'dist/main.js';
if (!existsSync('src')) process.exit(0);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newest('src')) {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
