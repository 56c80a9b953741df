// bench/stats.mjs - a measurement as the report shows it: the median of the
// samples with their minimum and maximum.
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

// Runs each of the measurers `runs` times, interleaved (A B C A B C ...), so
// that load from elsewhere on the machine falls on all of them alike.
// Returns one summary per measurer, under the same keys.
export async function interleaved(runs, measurers) {
  const samples = Object.fromEntries(Object.keys(measurers).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [k, measure] of Object.entries(measurers)) samples[k].push(await measure());
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
}
