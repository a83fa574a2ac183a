// The "Show stats" overlay: per tile, what this page receives from that peer (or, on the
// self-view, what it sends, the effect and the face effects' figures), refreshed each second.
// Turning it off hides every text at once and for good: each refresh belongs to one
// "generation" of the overlay, and a refresh still waiting for getStats() when the overlay is
// turned off (or off and on again) finds its generation gone and writes nothing.
import { statsText, localStatsText } from './overlays.js';

const REFRESH_MS = 1000;

const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');

/**
 * The face effects' lines of the self-view (localStats().effects, docs/client-api.md "Face
 * effects"), or '' while no face effect is on (faceDetail is set only then).
 */
export function faceStatsText(e) {
  if (!e || !e.faceDetail) return '';
  return [`face ${e.faces} tracked · detection ${ms(e.detectMs)} ms · landmarks ${ms(e.landmarkMs)} ms`,
    `face tracked frames ${e.trackedFrames} · re-detections ${e.redetections}`].join('\n');
}

/** The self-view's camera text: what it sends, the effect, and the face effects when on. */
function selfText(local) {
  return [localStatsText(local), faceStatsText(local?.effects)].filter(Boolean).join('\n');
}

export class StatsOverlay {
  /** @param {import('../room.js').Room} room  @param {import('./stage.js').Stage} stage */
  constructor(room, stage) {
    this.room = room;
    this.stage = stage;
    this.on = false;
    this.gen = 0;
    this.timer = 0;
  }

  set(on) {
    this.on = Boolean(on);
    const gen = ++this.gen;
    clearInterval(this.timer);
    this.timer = 0;
    for (const tl of this.stage.tiles.values()) {
      tl.stats.hidden = true;
      if (!this.on) tl.stats.textContent = '';
    }
    if (!this.on) return;
    const tick = () => this._refresh(gen);
    tick();
    this.timer = setInterval(tick, REFRESH_MS);
  }

  async _refresh(gen) {
    let all, local;
    try {
      [all, local] = await Promise.all([this.room.stats(), this.room.localStats()]);
    } catch { return; }
    if (gen !== this.gen || !this.on) return;   // turned off (or restarted) meanwhile
    for (const tl of this.stage.tiles.values()) {
      // Camera tiles show camera and audio; screen tiles the screen. Both show the link.
      const drop = tl.kind === 'screen' ? /^(video|audio)/ : /^screen/;
      tl.stats.textContent = tl.peerId === 'self' ?
        (tl.kind === 'camera' ? selfText(local) : 'local screen') :
        statsText(all[tl.peerId]).split('\n').filter((l) => !drop.test(l)).join('\n');
      tl.stats.hidden = false;
    }
  }
}
