// The face filters: artwork drawn in code for BuzzStream (no image files), in the face's
// texture space (fx_face.h: u −1 → 1 from the face's right edge through the nose bridge to its
// left edge, v −1 → 0 → 1 from the forehead through the eye line to the jaw). Each filter is
// drawn once into an RGBA picture covering its box; fx maps it onto every tracked face
// through the mesh (fx_face_overlay), so it moves, turns and tilts with the face.
//
// Where the features lie in that space (measured on the astronaut test face): eyes at
// u ≈ ±0.47, v ≈ −0.1; brows v ≈ −0.55; nose tip v ≈ 0.4; under the nose v ≈ 0.45; upper lip
// v ≈ 0.53; mouth corners u ≈ ±0.5, v ≈ 0.6; cheeks u ≈ ±0.7, v ≈ 0.35; the top of the
// forehead v = −1, the top of the head about v = −2.2; the lattice reaches ±3. A v unit is shorter above the eye line
// (eyes to forehead) than below it (eyes to jaw), so shapes crossing it are drawn in halves.

const PX = 200; // sprite pixels per texture unit

export const FACE_FILTERS = [
  { id: 'sunglasses', title: 'Sunglasses', box: [-1.1, -0.6, 1.1, 0.3], draw: drawSunglasses },
  { id: 'crown', title: 'Crown', box: [-1.15, -3.1, 1.15, -1.2], draw: drawCrown },
  { id: 'moustache', title: 'Moustache', box: [-0.7, 0.26, 0.7, 0.61], draw: drawMoustache },
  { id: 'face-paint', title: 'Face paint', box: [-1, -0.9, 1, 0.75], draw: drawPaint },
];

/** [{id, title}] for faceFilters(). */
export function faceFilterList() { return FACE_FILTERS.map(({ id, title }) => ({ id, title })); }

/**
 * The picture of filter `id` at px pixels per texture unit (the tier's filter detail,
 * fx_policy_face_detail): {rgba: Uint8ClampedArray, w, h, box, px} (OffscreenCanvas 2D).
 */
export function renderFilter(id, px = PX) {
  const f = FACE_FILTERS.find((x) => x.id === id);
  if (!f) return null;
  const [u0, v0, u1, v1] = f.box;
  const w = Math.round((u1 - u0) * px), h = Math.round((v1 - v0) * px);
  const c = new OffscreenCanvas(w, h);
  const g = c.getContext('2d');
  g.setTransform(px, 0, 0, px, -u0 * px, -v0 * px); // draw in texture units
  f.draw(g);
  return { rgba: g.getImageData(0, 0, w, h).data, w, h, box: f.box, px };
}

function drawSunglasses(g) {
  const cy = -0.1;
  const lens = (cx) => {
    g.beginPath(); // upper half taller in v than the lower (see the note at the top)
    g.ellipse(cx, cy, 0.32, 0.36, 0, Math.PI, 2 * Math.PI);
    g.ellipse(cx, cy, 0.32, 0.27, 0, 0, Math.PI);
    const gr = g.createLinearGradient(0, cy - 0.36, 0, cy + 0.27);
    gr.addColorStop(0, 'rgba(20, 30, 60, 0.92)');
    gr.addColorStop(1, 'rgba(60, 20, 70, 0.8)');
    g.fillStyle = gr;
    g.fill();
    g.lineWidth = 0.06;
    g.strokeStyle = '#111';
    g.stroke();
    g.beginPath(); // a glint
    g.ellipse(cx - 0.12, cy - 0.14, 0.08, 0.05, -0.5, 0, 2 * Math.PI);
    g.fillStyle = 'rgba(255, 255, 255, 0.55)';
    g.fill();
  };
  lens(-0.47);
  lens(0.47);
  g.lineWidth = 0.06;
  g.strokeStyle = '#111';
  g.beginPath();
  g.moveTo(-0.15, cy - 0.05);
  g.quadraticCurveTo(0, cy - 0.22, 0.15, cy - 0.05);
  g.stroke();
  for (const s of [-1, 1]) {
    g.beginPath();
    g.moveTo(s * 0.78, cy - 0.08);
    g.lineTo(s * 1.08, cy - 0.2);
    g.stroke();
  }
}

function drawCrown(g) {
  const base = -1.35, band = 0.3, top = -2.85, half = 1.0;
  g.beginPath();
  g.moveTo(-half, base);
  g.lineTo(-half, base - band);
  const pts = 4;
  for (let i = 0; i <= pts * 2; i++) {
    const u = -half + (2 * half * i) / (pts * 2);
    const v = i % 2 === 0 ? top + (i === pts ? -0.12 : 0) : base - band - 0.5;
    g.lineTo(u, i === 0 || i === pts * 2 ? top + 0.3 : v);
  }
  g.lineTo(half, base);
  g.closePath();
  const gr = g.createLinearGradient(0, top, 0, base);
  gr.addColorStop(0, '#fff3a0');
  gr.addColorStop(0.5, '#f2c230');
  gr.addColorStop(1, '#b8860b');
  g.fillStyle = gr;
  g.fill();
  g.lineWidth = 0.03;
  g.strokeStyle = '#7a5200';
  g.stroke();
  const gems = ['#d61f3c', '#1f6fd6', '#2fb85a', '#1f6fd6', '#d61f3c'];
  gems.forEach((c, i) => {
    g.beginPath();
    g.ellipse(-0.72 + 0.36 * i, base - band / 2, 0.08, 0.09, 0, 0, 2 * Math.PI);
    g.fillStyle = c;
    g.fill();
    g.strokeStyle = '#fff8';
    g.lineWidth = 0.015;
    g.stroke();
  });
  for (let i = 0; i <= pts; i++) { // pearls on the points
    g.beginPath();
    g.ellipse(-half + 0.5 * i, (i === 0 || i === pts ? top + 0.3 : top + (i === 2 ? -0.12 : 0)) - 0.03,
      0.06, 0.06, 0, 0, 2 * Math.PI);
    g.fillStyle = '#fffdf0';
    g.fill();
  }
}

function drawMoustache(g) {
  g.beginPath();
  g.moveTo(0, 0.40);
  // right half (the subject's right, u < 0), then mirrored
  g.bezierCurveTo(-0.16, 0.36, -0.34, 0.40, -0.44, 0.44);
  g.bezierCurveTo(-0.53, 0.47, -0.6, 0.41, -0.57, 0.35);
  g.bezierCurveTo(-0.62, 0.46, -0.52, 0.54, -0.38, 0.51);
  g.bezierCurveTo(-0.24, 0.49, -0.1, 0.46, 0, 0.47);
  g.bezierCurveTo(0.1, 0.46, 0.24, 0.49, 0.38, 0.51);
  g.bezierCurveTo(0.52, 0.54, 0.62, 0.46, 0.57, 0.35);
  g.bezierCurveTo(0.6, 0.41, 0.53, 0.47, 0.44, 0.44);
  g.bezierCurveTo(0.34, 0.40, 0.16, 0.36, 0, 0.40);
  g.closePath();
  const gr = g.createLinearGradient(0, 0.36, 0, 0.52);
  gr.addColorStop(0, '#5a3520');
  gr.addColorStop(1, '#2a160a');
  g.fillStyle = gr;
  g.fill();
}

function drawPaint(g) {
  const stripes = ['rgba(30, 90, 220, 0.8)', 'rgba(245, 245, 245, 0.8)', 'rgba(220, 40, 50, 0.8)'];
  for (const s of [-1, 1]) {
    stripes.forEach((c, i) => {
      g.beginPath();
      const v = 0.22 + 0.09 * i;
      g.moveTo(s * 0.42, v);
      g.lineTo(s * 0.88, v - 0.05);
      g.lineTo(s * 0.88, v + 0.03);
      g.lineTo(s * 0.42, v + 0.08);
      g.closePath();
      g.fillStyle = c;
      g.fill();
    });
  }
  // a star between the brows, above the nose bridge
  g.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5, r = i % 2 ? 0.05 : 0.12;
    g.lineTo(r * Math.cos(a), -0.45 + r * 1.4 * Math.sin(a));
  }
  g.closePath();
  g.fillStyle = 'rgba(250, 200, 30, 0.9)';
  g.fill();
}
