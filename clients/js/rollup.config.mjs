// Bundles src/ into the one file the server serves at /hark.js (and the package exports): `npm run build`.
// test/build.test.js fails when hark.js is not the bundle of the sources.
export const banner = '// Built from clients/js/src by `npm run build` (rollup): edit those files, not this one.';

export default {
  input: 'src/hark.js',
  output: { file: 'hark.js', format: 'es', banner },
};
