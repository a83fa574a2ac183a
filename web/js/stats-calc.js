// PeerStats (docs/client-api.md) from two getStats() snapshots of one RTCPeerConnection.
//
// A snapshot is an array of plain stats objects (`[...report.values()]`); rates come from
// the difference between `prev` and `cur`, so the first call (prev = null) reports rates
// as 0 and cumulative loss. Timestamps are in milliseconds, as in RTCStats.

/** Index a snapshot by id. */
export function indexStats(list) {
  const m = new Map();
  for (const s of Array.isArray(list) ? list : []) if (s && s.id) m.set(s.id, s);
  return m;
}

function num(v) { return Number.isFinite(v) ? v : 0; }

/** Bitrate in kbit/s between two byte counters taken at two timestamps (ms). */
export function kbps(prevBytes, curBytes, prevTs, curTs) {
  const dt = num(curTs) - num(prevTs);
  const db = num(curBytes) - num(prevBytes);
  if (dt <= 0 || db < 0) return 0;
  return Math.round((db * 8) / dt);   // bytes·8 / ms = kbit/s
}

/** Loss in percent over an interval: lost / (lost + received). */
export function lossPct(lost, received) {
  const l = Math.max(0, num(lost));
  const total = l + Math.max(0, num(received));
  return total > 0 ? Math.round((1000 * l) / total) / 10 : 0;
}

function rtpKind(s, kinds) {
  if (s.kind === 'audio') return 'audio';
  if (s.kind !== 'video') return null;
  return kinds.byTrackId?.[s.trackIdentifier] ?? kinds.byMid?.[s.mid] ?? 'camera';
}

function videoEntry(cur, prev) {
  const dt = prev ? num(cur.timestamp) - num(prev.timestamp) : 0;
  const dFrames = prev ? num(cur.framesDecoded) - num(prev.framesDecoded) : 0;
  const fps = Number.isFinite(cur.framesPerSecond) ? cur.framesPerSecond :
    dt > 0 && dFrames >= 0 ? Math.round((dFrames * 10000) / dt) / 10 : 0;
  return {
    framesDecoded: num(cur.framesDecoded),
    fps,
    width: num(cur.frameWidth),
    height: num(cur.frameHeight),
    bitrateKbps: prev ? kbps(prev.bytesReceived, cur.bytesReceived, prev.timestamp,
      cur.timestamp) : 0,
    packetsLost: num(cur.packetsLost),
    lossPct: intervalLoss(cur, prev),
  };
}

function intervalLoss(cur, prev) {
  if (!prev) return lossPct(cur.packetsLost, cur.packetsReceived);
  return lossPct(num(cur.packetsLost) - num(prev.packetsLost),
    num(cur.packetsReceived) - num(prev.packetsReceived));
}

function audioEntry(cur, prev) {
  return {
    bitrateKbps: prev ? kbps(prev.bytesReceived, cur.bytesReceived, prev.timestamp,
      cur.timestamp) : 0,
    packetsReceived: num(cur.packetsReceived),
    packetsLost: num(cur.packetsLost),
    level: num(cur.audioLevel),
  };
}

/** The selected candidate pair: via the transport, else the nominated succeeded pair. */
export function selectedPair(idx) {
  for (const s of idx.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId) {
      const p = idx.get(s.selectedCandidatePairId);
      if (p) return p;
    }
  }
  for (const s of idx.values()) {
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') return s;
  }
  return null;
}

/** More bytes wins: with several inbound streams of one kind, show the one carrying media. */
function pickBusier(a, b) {
  if (!a) return b;
  return num(b.bytesReceived) > num(a.bytesReceived) ? b : a;
}

/**
 * @param {Array|null} prevList  previous snapshot or null
 * @param {Array} curList        current snapshot
 * @param {{byTrackId?: object, byMid?: object}} kinds  which inbound video is the screen
 * @param {{iceState?: string, connectionState?: string}} states  from the pc
 */
export function computePeerStats(prevList, curList, kinds = {}, states = {}) {
  const prev = indexStats(prevList);
  const cur = indexStats(curList);
  const inbound = { camera: null, screen: null, audio: null };
  for (const s of cur.values()) {
    if (s.type !== 'inbound-rtp') continue;
    const k = rtpKind(s, kinds);
    if (k) inbound[k] = pickBusier(inbound[k], s);
  }
  const entry = (s, fn) => (s ? fn(s, prev.get(s.id) ?? null) : null);
  const pair = selectedPair(cur);
  const local = pair ? cur.get(pair.localCandidateId) : null;
  const emptyVideo = { framesDecoded: 0, fps: 0, width: 0, height: 0, bitrateKbps: 0,
    packetsLost: 0, lossPct: 0 };
  const emptyAudio = { bitrateKbps: 0, packetsReceived: 0, packetsLost: 0, level: 0 };
  return {
    video: entry(inbound.camera, videoEntry) ?? emptyVideo,
    screen: entry(inbound.screen, videoEntry),
    audio: entry(inbound.audio, audioEntry) ?? emptyAudio,
    rttMs: pair && Number.isFinite(pair.currentRoundTripTime) ?
      Math.round(pair.currentRoundTripTime * 1000) : null,
    iceState: states.iceState ?? null,
    connectionState: states.connectionState ?? null,
    candidateType: local?.candidateType ?? null,
  };
}
