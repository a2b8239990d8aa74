/** @file Draws DET curves (FNMR against FMR, both on log axes) as a self-contained SVG. */

export interface DetSeries {
  label: string;
  points: [number, number][];
  /** Operating points to mark on the curve, e.g. the shipped thresholds. */
  marks?: { fmr: number; fnmr: number; label: string }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 640;
const H = 440;
const M = { left: 70, right: 20, top: 36, bottom: 56 };
const X_DECADES: [number, number] = [-6, 0];
const Y_DECADES: [number, number] = [-3, 0];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sx = (fmr: number) => {
  const l = Math.min(X_DECADES[1], Math.max(X_DECADES[0], Math.log10(Math.max(fmr, 10 ** X_DECADES[0]))));
  return M.left + ((l - X_DECADES[0]) / (X_DECADES[1] - X_DECADES[0])) * (W - M.left - M.right);
};
const sy = (fnmr: number) => {
  const l = Math.min(Y_DECADES[1], Math.max(Y_DECADES[0], Math.log10(Math.max(fnmr, 10 ** Y_DECADES[0]))));
  return H - M.bottom - ((l - Y_DECADES[0]) / (Y_DECADES[1] - Y_DECADES[0])) * (H - M.top - M.bottom);
};

/** FMR below 1e-6 and FNMR below 1e-3 (zero included) are drawn on the axes' lower edges. */
export function detSvg(title: string, series: DetSeries[]): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let d = X_DECADES[0]; d <= X_DECADES[1]; d++) {
    const x = sx(10 ** d);
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">1e${d}</text>`);
  }
  for (let d = Y_DECADES[0]; d <= Y_DECADES[1]; d++) {
    const y = sy(10 ** d);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${Number((100 * 10 ** d).toPrecision(1))} %</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">false match rate (FMR, log)</text>`);
  parts.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">false non-match rate (FNMR, log)</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.points.map(([f, n], j) => `${j ? 'L' : 'M'}${sx(f).toFixed(1)},${sy(n).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const m of s.marks ?? []) {
      parts.push(`<circle cx="${sx(m.fmr).toFixed(1)}" cy="${sy(m.fnmr).toFixed(1)}" r="3.5" fill="${colour}"><title>${esc(m.label)}</title></circle>`);
    }
    const ly = M.top + 16 + i * 18;
    parts.push(`<line x1="${W - M.right - 250}" y1="${ly - 4}" x2="${W - M.right - 228}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${W - M.right - 222}" y="${ly}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
