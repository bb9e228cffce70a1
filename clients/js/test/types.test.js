// hark.d.ts describes how the client is used: test/types-check.ts compiles against it. Needs TypeScript
// from `npm ci` (a dev dependency); skipped when it is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

test('hark.d.ts type-checks against its usage', { skip: existsSync(tsc) ? false : 'TypeScript is not installed (npm ci in clients/js)', timeout: 120000 }, async () => {
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', 'test/types-check.ts'];
  const { code, output } = await new Promise((resolve) => {
    execFile(process.execPath, [tsc, ...args], { cwd: dir }, (error, stdout, stderr) => resolve({ code: error ? error.code ?? 1 : 0, output: stdout + stderr }));
  });
  assert.equal(code, 0, output);
});
