// The command line of every benchmark script: `--flag` switches and `--name value` options, and
// the data-set options shared by the scripts that seed bench/seed.mjs's data set.
export const argv = process.argv.slice(2);

export const flag = (name) => argv.includes(`--${name}`);

/** The value after `--name` as given (a string), or `fallback`. */
export const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};

/** The value after `--name` as a number, or `fallback`. */
export const numOpt = (name, fallback) => {
  const value = opt(name, undefined);
  return value === undefined ? fallback : Number(value);
};

/**
 * `--quick`, the sizes of the data set (SIZES.quick or SIZES.full, each overridable by `--users N`
 * and the like, plus `--duration S`), `--connections` (32) and `--db postgres|sqlite|both`.
 */
export function dataSetOptions(SIZES) {
  const quick = flag('quick');
  const defaults = quick ? { ...SIZES.quick, duration: 3 } : { ...SIZES.full, duration: 10 };
  const sizes = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, Number(opt(k, v))]));
  const dbArg = opt('db', 'postgres');
  return { quick, sizes, connections: Number(opt('connections', 32)), kinds: dbArg === 'both' ? ['postgres', 'sqlite'] : [dbArg] };
}
