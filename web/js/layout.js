// Grid geometry: how many columns make n tiles of a given aspect ratio as large as
// possible inside a w×h box. Pure, so it is tested for the laptop and phone sizes.

/**
 * @returns {{cols: number, rows: number, tileW: number, tileH: number}}
 */
export function bestGrid(n, w, h, aspect = 16 / 9, gap = 8) {
  const count = Math.max(1, Math.floor(n) || 1);
  let best = { cols: 1, rows: count, tileW: 0, tileH: 0 };
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const cellW = (w - gap * (cols - 1)) / cols;
    const cellH = (h - gap * (rows - 1)) / rows;
    if (cellW <= 0 || cellH <= 0) continue;
    const tileW = Math.min(cellW, cellH * aspect);
    if (tileW > best.tileW) best = { cols, rows, tileW, tileH: tileW / aspect };
  }
  return { ...best, tileW: Math.floor(best.tileW), tileH: Math.floor(best.tileH) };
}

/** The smallest tile width that keeps a face and a name readable (px). */
export const MIN_TILE_W = 150;

/**
 * bestGrid, but never with tiles narrower than minW: with many participants in a small
 * box (25 on a phone) the grid keeps legible tiles and scrolls instead of shrinking them.
 * @returns {{cols, rows, tileW, tileH, scroll: boolean}}
 */
export function legibleGrid(n, w, h, { aspect = 16 / 9, gap = 8, minW = MIN_TILE_W } = {}) {
  const g = bestGrid(n, w, h, aspect, gap);
  if (g.tileW >= minW) return { ...g, scroll: false };
  // Too many for the box (or a box too short for one row): columns by width, rows scroll.
  const cols = Math.max(1, Math.min(Math.max(1, Math.floor(n) || 1),
    Math.floor((w + gap) / (minW + gap))));
  const tileW = Math.max(1, Math.floor((w - gap * (cols - 1)) / cols));
  const rows = Math.ceil(Math.max(1, n) / cols);
  return { cols, rows, tileW, tileH: Math.floor(tileW / aspect), scroll: true };
}
