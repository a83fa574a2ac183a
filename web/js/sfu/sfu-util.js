// Pure helpers of SFU mode (unit-testable without a browser).

const PID_RE = /^p[0-9a-f]{8}$/;
const MAX_PUBLISHERS = 64;

/** The server's sfu-publishers list, checked: [{id, audio, video, screen}] without ourselves. */
export function validPublishers(list, selfId) {
  if (!Array.isArray(list)) return [];
  const seen = new Set();
  const out = [];
  for (const p of list.slice(0, MAX_PUBLISHERS)) {
    if (!p || typeof p.id !== 'string' || !PID_RE.test(p.id) || p.id === selfId || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push({ id: p.id, audio: p.audio === true, video: p.video === true, screen: p.screen === true });
  }
  return out;
}

const live = (tx) => tx && tx.mid != null && tx.currentDirection !== 'stopped' && !tx.stopped;

/** {mid: publisher id, or "<id>:screen" for a screen} of the live transceivers (sfu-offer's `mids`). */
export function mapMids(subs) {
  const mids = {};
  for (const [id, s] of subs) {
    for (const tx of [s.audio, s.camera]) if (live(tx)) mids[tx.mid] = id;
    if (live(s.screen)) mids[s.screen.mid] = `${id}:screen`;
  }
  return mids;
}

/**
 * The camera's simulcast layers (SFU mode only; the mesh sends one stream): rids named in
 * docs/protocol.md, lowest first as buzzd expects, each half the size of the next.
 */
export function cameraEncodings() {
  return [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100_000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
    { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
  ];
}

// What buzzd forwards (docs/protocol.md): Opus, and VP8 with its retransmissions.
const FORWARDED = { audio: ['audio/opus'], video: ['video/vp8', 'video/rtx'] };

/**
 * The receive capabilities of `kind` that buzzd forwards, from `caps` (what
 * RTCRtpReceiver.getCapabilities(kind) gives); [] when none. A recvonly m-line offers only
 * these, which makes it a third of Chromium's default size: one subscribing offer carries two
 * or three m-lines per other participant, and it must stay under the 64 KiB message limit.
 */
export function forwardedCodecs(kind, caps) {
  const want = FORWARDED[kind] ?? [];
  const codecs = Array.isArray(caps?.codecs) ? caps.codecs : [];
  const out = codecs.filter((c) => typeof c?.mimeType === 'string' && want.includes(c.mimeType.toLowerCase()));
  // RTX alone would be no codec at all.
  return out.some((c) => c.mimeType.toLowerCase() !== 'video/rtx') ? out : [];
}

const MAX_VIEWS = 64;
const MAX_PX = 16384;

/** The tiles as sfu-view lists them: [{id, width, height}], checked and rounded, at most 64. */
export function cleanViews(views) {
  if (!Array.isArray(views)) return [];
  const seen = new Set();
  const out = [];
  for (const v of views) {
    if (out.length === MAX_VIEWS) break;
    if (!v || typeof v.id !== 'string' || !PID_RE.test(v.id) || seen.has(v.id)) continue;
    const px = (x) => (Number.isFinite(x) && x > 0 ? Math.min(MAX_PX, Math.round(x)) : 0);
    let width = px(v.width), height = px(v.height);
    if (!width || !height) width = height = 0;
    seen.add(v.id);
    out.push({ id: v.id, width, height });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Whether `next` differs from what was last sent enough to tell buzzd: a tile added, gone,
 * shown or hidden, or resized by more than `tolerance` (a share of its width or height).
 */
export function viewsChanged(prev, next, tolerance = 0.1) {
  if (!prev || prev.length !== next.length) return true;
  for (let i = 0; i < next.length; i++) {
    const a = prev[i], b = next[i];
    if (a.id !== b.id || !a.width !== !b.width) return true;
    if (Math.abs(a.width - b.width) > tolerance * Math.max(a.width, b.width)) return true;
    if (Math.abs(a.height - b.height) > tolerance * Math.max(a.height, b.height)) return true;
  }
  return false;
}
