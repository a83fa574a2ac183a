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
