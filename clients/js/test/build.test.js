// hark.js is what the server serves and the package exports: it must be the bundle of src/, rebuilt by
// `npm run build` after every change there. Needs rollup from `npm ci` (a dev dependency); skipped without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));
const haveRollup = existsSync(fileURLToPath(new URL('../node_modules/rollup/package.json', import.meta.url)));

test('hark.js is the bundle of src/ (run npm run build after changing src/)', { skip: haveRollup ? false : 'rollup is not installed (npm ci in clients/js)', timeout: 120000 }, async () => {
  const { rollup } = await import('rollup');
  const config = (await import(new URL('../rollup.config.mjs', import.meta.url))).default;
  const bundle = await rollup({ input: `${dir}/${config.input}`, onwarn: (warning) => assert.fail(`rollup: ${warning.message}`) });
  const { output } = await bundle.generate(config.output);
  await bundle.close();
  assert.equal(output.length, 1, 'one file');
  assert.ok(await readFile(`${dir}/hark.js`, 'utf8') === output[0].code, 'hark.js differs from the bundle of src/: run npm run build in clients/js');
});
