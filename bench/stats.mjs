// bench/stats.mjs - a measurement as the report shows it: the median of the
// samples with their minimum and maximum, and the interleaved rounds that
// take them.
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

// Runs each of the measurers `runs` times in rounds, so that load from
// elsewhere on the machine falls on all of them alike. Each round starts
// one measurer further on (A B C, B C A, C A B, ...), so none always runs
// right after the same other one. With warmup, every measurer first runs
// once, in the same order, and that sample is dropped: a server serving
// all the rounds has compiled its hot code (V8's JIT, wasm's tiers) before
// any round counts, whichever side it is. A measurer is called as
// measure({ warmup }) and may make its warm-up run smaller.
// Returns one summary per measurer, under the same keys; a measurer whose
// samples are objects of numbers ({ SET, GET }) gets one summary per field.
export async function interleaved(runs, measurers, { warmup = false } = {}) {
  const keys = Object.keys(measurers);
  const samples = Object.fromEntries(keys.map((k) => [k, []]));
  if (warmup) for (const k of keys) await measurers[k]({ warmup: true });
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(i + j) % keys.length];
      samples[k].push(await measurers[k]({ warmup: false }));
    }
  }
  const summary = (v) => (typeof v[0] === 'object'
    ? Object.fromEntries(Object.keys(v[0]).map((f) => [f, summarize(v.map((x) => x[f]))]))
    : summarize(v));
  return Object.fromEntries(keys.map((k) => [k, summary(samples[k])]));
}
