// Init script for bench/call/glass.mjs: every page's camera is a canvas that paints the wall
// clock (Date.now(), shared by all pages of one browser) as a grid of black and white blocks,
// and every page decodes the clocks of the frames its remote tiles present. The difference is
// glass-to-glass latency: painting, capture, encoding, the network path (mesh or buzzd),
// decoding and presentation, as a participant's screen would show it.
//
// Code: 24 bits of the time (ms, mod 2^24) and 4 check bits (the sum of the six nibbles, mod 16),
// 28 blocks in a 7 × 4 grid over the middle of a 320 × 180 frame. A frame that does not decode
// (mid-transition, blurred by the encoder) fails the check and is skipped.
(() => {
  const W = 320, H = 180, COLS = 7, ROWS = 4, B = 40;
  const X0 = (W - COLS * B) / 2, Y0 = (H - ROWS * B) / 2;
  const BITS = 28;

  function encode(t) {
    const v = t & 0xffffff;
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += (v >> (4 * i)) & 15;
    return v | ((sum & 15) << 24);
  }

  function decode(code) {
    const v = code & 0xffffff;
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += (v >> (4 * i)) & 15;
    return ((code >>> 24) & 15) === (sum & 15) ? v : -1;
  }

  function clockTrack() {
    const c = document.createElement('canvas');
    c.width = W;
    c.height = H;
    const g = c.getContext('2d');
    const paint = () => {
      const code = encode(Date.now());
      g.fillStyle = '#808080';
      g.fillRect(0, 0, W, H);
      for (let i = 0; i < BITS; i++) {
        g.fillStyle = (code >>> i) & 1 ? '#ffffff' : '#000000';
        g.fillRect(X0 + (i % COLS) * B, Y0 + Math.floor(i / COLS) * B, B, B);
      }
    };
    paint();
    setInterval(paint, 1000 / 60);  // twice the capture rate: a captured frame is at most 17 ms old
    return c.captureStream(30).getVideoTracks()[0];
  }

  const md = navigator.mediaDevices;
  const realGum = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints = {}) => {
    const out = new MediaStream();
    if (constraints.audio) for (const t of (await realGum({ audio: constraints.audio })).getAudioTracks()) out.addTrack(t);
    if (constraints.video) out.addTrack(clockTrack());
    return out;
  };

  // Receiving side: every presented frame of every remote camera tile.
  // The grid alone, 4 × 4 pixels a block: reading it back costs little next to decoding.
  const S = 4;
  const probe = document.createElement('canvas');
  probe.width = COLS * S;
  probe.height = ROWS * S;
  const pg = probe.getContext('2d', { willReadFrequently: true });
  const samples = [];            // [peerId, latencyMs]
  const first = new Map();       // peerId → Date.now() of its first decoded clock
  const watched = new WeakSet();

  function readClock(video) {
    const kx = video.videoWidth / W, ky = video.videoHeight / H;   // the receiver may get a scaled frame
    pg.drawImage(video, X0 * kx, Y0 * ky, COLS * B * kx, ROWS * B * ky, 0, 0, COLS * S, ROWS * S);
    const d = pg.getImageData(0, 0, COLS * S, ROWS * S).data;
    let code = 0;
    for (let i = 0; i < BITS; i++) {
      const x = (i % COLS) * S + S / 2, y = Math.floor(i / COLS) * S + S / 2;
      if (d[(y * COLS * S + x) * 4 + 1] > 128) code |= 1 << i;
    }
    return decode(code >>> 0);
  }

  function watch(video, peerId) {
    if (watched.has(video)) return;
    watched.add(video);
    const onFrame = () => {
      if (video.videoWidth) {
        const v = readClock(video);
        if (v >= 0) {
          const now = Date.now();
          const lat = ((now & 0xffffff) - v + 0x1000000) % 0x1000000;
          if (lat < 10000) {
            samples.push([peerId, lat]);
            if (!first.has(peerId)) first.set(peerId, now);
          }
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  setInterval(() => {
    for (const el of document.querySelectorAll('[data-kind="camera"][data-peer-id]')) {
      const id = el.dataset.peerId;
      const v = el.querySelector('video');
      if (id !== 'self' && v) watch(v, id);
    }
  }, 50);

  window.__clock = {
    take() { return samples.splice(0); },
    first() { return Object.fromEntries(first); },
  };
})();
