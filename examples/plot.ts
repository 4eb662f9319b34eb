/** A minimal SVG line chart for loss curves (no dependencies). */
export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

export function lossCurveSvg(
  series: { name: string; values: number[]; color?: string; dashed?: boolean }[],
  opts: { width?: number; height?: number; title?: string; xLabel?: string } = {},
): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 360;
  const pad = { left: 56, right: 16, top: 32, bottom: 40 };
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(...all, 0);
  const hi = Math.max(...all, 1e-12);
  const lines = series.map((s, k) => {
    const n = Math.max(s.values.length - 1, 1);
    const pts = s.values
      .map((v, i) => {
        const x = pad.left + (i / n) * (width - pad.left - pad.right);
        const y = pad.top + (1 - (v - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(" ");
    const legendY = pad.top + 14 * k;
    const color = s.color ?? PALETTE[k % PALETTE.length];
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="1.5"${s.dashed ? ` stroke-dasharray="5,3"` : ""} points="${pts}"/>` +
      `<text x="${width - pad.right - 150}" y="${legendY + 10}" font-size="12" fill="${color}">${s.name}</text>`
    );
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = lo + f * (hi - lo);
    const y = pad.top + (1 - f) * (height - pad.top - pad.bottom);
    return `<line x1="${pad.left - 4}" x2="${pad.left}" y1="${y}" y2="${y}" stroke="#333"/><text x="${pad.left - 8}" y="${y + 4}" font-size="11" text-anchor="end">${v.toPrecision(3)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" font-size="14" text-anchor="middle">${opts.title ?? "training loss"}</text>`,
    `<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<text x="${width / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${opts.xLabel ?? "step"}</text>`,
    ...ticks,
    ...lines,
    `</svg>`,
  ].join("\n");
}

/**
 * A 1-D regression plot: a posterior mean line with a shaded band (lower..upper) over a grid,
 * and scattered observations.
 */
export function bandSvg(
  grid: number[],
  mean: number[],
  lower: number[],
  upper: number[],
  points: { x: number; y: number }[],
  opts: { width?: number; height?: number; title?: string; xLabel?: string; yLabel?: string } = {},
): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 360;
  const pad = { left: 56, right: 16, top: 32, bottom: 40 };
  const xs = [...grid, ...points.map((p) => p.x)];
  const ys = [...lower, ...upper, ...points.map((p) => p.y)].filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const py = (y: number) => pad.top + (1 - (y - y0) / (y1 - y0 || 1)) * (height - pad.top - pad.bottom);
  const pt = (x: number, y: number) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`;
  const band = [...grid.map((x, i) => pt(x, upper[i]!)), ...grid.map((x, i) => pt(x, lower[i]!)).reverse()].join(" ");
  const line = grid.map((x, i) => pt(x, mean[i]!)).join(" ");
  const dots = points.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2" fill="#d62728" fill-opacity="0.6"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" font-size="14" text-anchor="middle">${opts.title ?? "posterior"}</text>`,
    `<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<text x="${width / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${opts.xLabel ?? "x"}</text>`,
    `<text x="14" y="${height / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${height / 2})">${opts.yLabel ?? "y"}</text>`,
    `<polygon points="${band}" fill="#1f77b4" fill-opacity="0.2" stroke="none"/>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line}"/>`,
    ...dots,
    `</svg>`,
  ].join("\n");
}
