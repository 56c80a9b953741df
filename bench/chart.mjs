// bench/chart.mjs - the SVG bar chart of the benchmark ratios, written by
// hand (no chart library): one horizontal bar per row on a logarithmic axis
// around 1×, a tick at the row's target, green when it is met, red when not.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

export function ratioChart(rows, { title = 'ratios' } = {}) {
  const LABEL_W = 420, PLOT_W = 460, ROW_H = 22, TOP = 50, LEFT = 10, RIGHT = 70;
  const lo = Math.log(0.05), hi = Math.log(20);
  const x = (r) => Math.round((LABEL_W + ((Math.log(Math.min(Math.max(r, 0.05), 20)) - lo) / (hi - lo)) * PLOT_W) * 10) / 10;
  const height = TOP + rows.length * ROW_H + 40;
  const width = LABEL_W + PLOT_W + RIGHT;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${LEFT}" y="38" fill="#555">ratio ours / baseline (log scale); the black tick is the target</text>`);
  const axisY = TOP + rows.length * ROW_H + 5;
  for (const g of [0.1, 0.25, 0.5, 1, 2, 4, 10]) {
    out.push(`<line x1="${x(g)}" y1="${TOP - 4}" x2="${x(g)}" y2="${axisY}" stroke="${g === 1 ? '#888' : '#ddd'}"/>`);
    out.push(`<text x="${x(g)}" y="${axisY + 15}" text-anchor="middle" fill="#555">${g}×</text>`);
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW_H;
    const color = r.ok ? '#3a9d4a' : '#d0453a';
    const from = Math.min(x(1), x(r.ratio)), to = Math.max(x(1), x(r.ratio));
    out.push(`<text x="${LABEL_W - 8}" y="${y + 14}" text-anchor="end">${esc(r.name)}</text>`);
    out.push(`<rect x="${from}" y="${y + 3}" width="${Math.max(to - from, 1)}" height="${ROW_H - 8}" fill="${color}"><title>${esc(`${r.name}: ${r.ratio}× (target ${r.target})`)}</title></rect>`);
    const t = /([\d.]+)×/.exec(r.target);
    if (t) out.push(`<line x1="${x(Number(t[1]))}" y1="${y + 1}" x2="${x(Number(t[1]))}" y2="${y + ROW_H - 3}" stroke="black" stroke-width="2"/>`);
    out.push(`<text x="${Math.max(x(1), x(r.ratio)) + 4}" y="${y + 14}">${r.ratio.toFixed(2)}×</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
