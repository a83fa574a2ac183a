import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestGrid } from '../../web/js/layout.js';

test('one tile fills the box', () => {
  const g = bestGrid(1, 1366, 700);
  assert.equal(g.cols, 1);
  assert.equal(g.tileW, Math.floor(700 * 16 / 9));
});

test('laptop: 4 tiles in 2×2, 3 tiles side by side or 2+1', () => {
  assert.deepEqual([bestGrid(4, 1366, 680).cols, bestGrid(4, 1366, 680).rows], [2, 2]);
  const g3 = bestGrid(3, 1366, 680);
  assert.ok(g3.cols >= 2 && g3.cols * g3.rows >= 3);
});

test('phone portrait: tiles stack in one column', () => {
  const g = bestGrid(3, 374, 700);
  assert.equal(g.cols, 1);
  assert.ok(g.tileW <= 374);
  assert.ok(g.rows * g.tileH + 2 * 8 <= 700);
});

test('tiles always fit the box', () => {
  for (const n of [1, 2, 5, 9, 16, 50]) {
    for (const [w, h] of [[1366, 680], [374, 700], [800, 300]]) {
      const g = bestGrid(n, w, h);
      assert.ok(g.cols * g.rows >= n);
      assert.ok(g.cols * g.tileW + (g.cols - 1) * 8 <= w + 1, `${n} ${w}`);
      assert.ok(g.rows * g.tileH + (g.rows - 1) * 8 <= h + 1, `${n} ${h}`);
    }
  }
  assert.equal(bestGrid(0, 100, 100).cols, 1);
});

test('legibleGrid: 1 to 25 tiles stay at least MIN_TILE_W wide at laptop and phone size', async () => {
  const { legibleGrid, MIN_TILE_W } = await import('../../web/js/layout.js');
  for (let n = 1; n <= 25; n++) {
    for (const [w, h] of [[1264, 650], [374, 560]]) {
      const g = legibleGrid(n, w, h);
      assert.ok(g.tileW >= MIN_TILE_W, `${n} tiles in ${w}×${h}: ${g.tileW} px`);
      assert.ok(g.cols * g.tileW + (g.cols - 1) * 8 <= w + 1);
      assert.ok(g.cols * g.rows >= n);
      if (!g.scroll) assert.ok(g.rows * g.tileH + (g.rows - 1) * 8 <= h + 1);
    }
  }
  assert.equal(legibleGrid(25, 1264, 650).scroll, false, '25 fit a laptop screen without scrolling');
});

test('legibleGrid never gives a zero-sized tile, even in a box too short for one row', async () => {
  const { legibleGrid } = await import('../../web/js/layout.js');
  for (const [n, w, h] of [[1, 374, 0], [1, 374, 3], [3, 120, 50], [2, 1264, 10]]) {
    const g = legibleGrid(n, w, h);
    assert.ok(g.tileW > 0 && g.tileH > 0, `${n} in ${w}×${h}: ${JSON.stringify(g)}`);
    assert.ok(g.cols * g.tileW + (g.cols - 1) * 8 <= w + 1);
  }
});
