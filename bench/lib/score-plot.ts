/**
 * @file A dependency-free SVG strip plot of score distributions: one row per variant, bona fide scores above the
 * axis line and attack scores below it, with the decision threshold marked. Written next to BENCHMARKS.md.
 */

export interface PlotPoint {
  score: number;
  /** 'bona fide' or an attack type; each gets its own colour and marker. */
  kind: string;
}

export interface PlotRow {
  label: string;
  threshold: number;
  points: PlotPoint[];
}

const STYLE: Record<string, { colour: string; shape: 'circle' | 'square' | 'triangle' }> = {
  'bona fide': { colour: '#1b7f3b', shape: 'circle' },
  print: { colour: '#c0392b', shape: 'square' },
  replay: { colour: '#7d3c98', shape: 'triangle' },
  still: { colour: '#d68910', shape: 'square' },
};

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function marker(x: number, y: number, kind: string): string {
  const { colour, shape } = STYLE[kind] ?? { colour: '#555', shape: 'circle' };
  const attrs = `fill="${colour}" fill-opacity="0.55" stroke="${colour}" stroke-width="0.8"`;
  if (shape === 'square') return `<rect x="${(x - 3).toFixed(1)}" y="${(y - 3).toFixed(1)}" width="6" height="6" ${attrs}/>`;
  if (shape === 'triangle') return `<path d="M${x.toFixed(1)},${(y - 3.5).toFixed(1)} l3.5,7 h-7 z" ${attrs}/>`;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.2" ${attrs}/>`;
}

/**
 * Scores on a linear 0..1 axis. Points at nearly the same score are stacked vertically (a beeswarm in one
 * direction) so that counts stay readable.
 */
export function scorePlotSvg(title: string, rows: PlotRow[]): string {
  const left = 280;
  const width = 640;
  const right = 20;
  const rowH = 78;
  const top = 48;
  const height = top + rows.length * rowH + 50;
  const xOf = (s: number) => left + Math.min(1, Math.max(0, s)) * width;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + right}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  const legend = Object.entries(STYLE);
  legend.forEach(([kind], i) => {
    const x = left + i * 130;
    parts.push(marker(x + 5, 36, kind), `<text x="${x + 14}" y="40">${escape(kind)}${kind === 'bona fide' ? '' : kind === 'still' ? ' (digital)' : ' attack'}</text>`);
  });
  rows.forEach((row, r) => {
    const mid = top + r * rowH + rowH / 2;
    parts.push(
      `<text x="${left - 10}" y="${mid + 4}" text-anchor="end">${escape(row.label)}</text>`,
      `<line x1="${left}" y1="${mid}" x2="${left + width}" y2="${mid}" stroke="#bbb"/>`,
      `<line x1="${xOf(row.threshold)}" y1="${mid - rowH / 2 + 4}" x2="${xOf(row.threshold)}" y2="${mid + rowH / 2 - 4}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
    for (const [sign, pts] of [[-1, row.points.filter((p) => p.kind === 'bona fide')], [1, row.points.filter((p) => p.kind !== 'bona fide')]] as const) {
      const stacks = new Map<number, number>();
      for (const p of [...pts].sort((a, b) => a.score - b.score)) {
        const bin = Math.round(p.score * 120);
        const n = stacks.get(bin) ?? 0;
        stacks.set(bin, n + 1);
        parts.push(marker(xOf(p.score), mid + sign * (6 + Math.min(n, 7) * 4.2), p.kind));
      }
    }
  });
  const axisY = top + rows.length * rowH + 10;
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + width}" y2="${axisY}" stroke="#333"/>`);
  for (let i = 0; i <= 10; i++) {
    const x = xOf(i / 10);
    parts.push(`<line x1="${x}" y1="${axisY}" x2="${x}" y2="${axisY + 5}" stroke="#333"/>`, `<text x="${x}" y="${axisY + 18}" text-anchor="middle">${(i / 10).toFixed(1)}</text>`);
  }
  parts.push(`<text x="${left + width / 2}" y="${axisY + 36}" text-anchor="middle">P(genuine) per frame (bona fide above each line, attacks below; dashed: threshold)</text>`, '</svg>');
  return parts.join('\n') + '\n';
}
