// bench/report.mjs - the rows of the benchmark report and their table.
// A row compares our median with the baseline's; its ratio is ours divided by
// the baseline's, so for times lower is better and for rates higher is.

// { name, ours, baseline: summaries from stats.mjs; unit; better: 'lower' |
// 'higher'; target: the ratio to meet, or targetText and ok for a target that
// is not a ratio }. Returns the object written to results.json.
export function makeRow({ name, ours, baseline, unit, oursLabel, baselineLabel, better, target, targetText, ok, note }) {
  const ratio = ours.median / baseline.median;
  const text = targetText ?? `${better === 'lower' ? '≤' : '≥'} ${target}×`;
  const met = ok ?? (better === 'lower' ? ratio <= target : ratio >= target);
  return {
    name,
    ours: round(ours.median),
    baseline: round(baseline.median),
    unit,
    ratio: round(ratio, 3),
    target: text,
    ok: Boolean(met),
    better,
    ours_label: oursLabel,
    baseline_label: baselineLabel,
    ours_min: round(ours.min), ours_max: round(ours.max),
    baseline_min: round(baseline.min), baseline_max: round(baseline.max),
    runs: ours.n,
    ...(note ? { note } : {}),
  };
}

function round(x, digits) {
  if (!Number.isFinite(x)) return x;
  if (digits !== undefined) return Number(x.toFixed(digits));
  const a = Math.abs(x);
  return Number(x.toFixed(a >= 1000 ? 0 : a >= 10 ? 1 : 3));
}

const fmt = (x) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(x));
const spread = (med, lo, hi) => `${fmt(med)} [${fmt(lo)}–${fmt(hi)}]`;

// Prints the rows as a Markdown table (readable on a terminal, and the
// README takes it as it is).
export function printTable(rows, { quick = false } = {}) {
  const head = ['benchmark', 'ours: median [min–max]', 'baseline: median [min–max]', 'unit', 'ratio', 'target', ''];
  const body = rows.map((r) => [
    r.name,
    `${spread(r.ours, r.ours_min, r.ours_max)} ${r.ours_label}`,
    `${spread(r.baseline, r.baseline_min, r.baseline_max)} ${r.baseline_label}`,
    r.unit,
    `${r.ratio.toFixed(2)}×`,
    r.target,
    quick ? '' : r.ok ? 'ok' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  for (const r of rows) if (r.note) console.log(`${r.name}: ${r.note}`);
  // Rows whose target is 'reported' carry no line to meet and are not counted.
  const targeted = rows.filter((r) => r.target !== 'reported');
  if (!quick) {
    console.log(`${targeted.filter((r) => r.ok).length} of ${targeted.length} rows with a target meet it`
      + ` (${rows.length - targeted.length} more are reported only)`);
  }
}
