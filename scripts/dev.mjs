// `npm run start:dev`: SWC rebuilds on change and Node restarts on a changed build.
import { spawn, spawnSync } from 'node:child_process';

spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
const children = [
  spawn('npx', ['swc', 'src', '-d', 'dist', '--strip-leading-paths', '--copy-files', '--watch', '--quiet'], {
    stdio: 'inherit',
  }),
  spawn(process.execPath, ['--watch-path=dist', '--enable-source-maps', 'dist/main.js'], {
    stdio: 'inherit',
  }),
];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(0);
  });
}
