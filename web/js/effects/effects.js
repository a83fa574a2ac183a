// The background effect of this page's camera: the setting (window.buzzstream.setEffect,
// the Effects dialog), the pipeline that applies it (Worker, or the main-thread fallback),
// and which track peers get — the camera's own while no effect is on, the processed one
// otherwise. One per LocalMedia; the setting outlives calls (localStorage).
//
// The face effects (setFaceEffect: touch-up, low light, a filter) run in the same pipeline and
// output track, independently of the background effect and combinable with it.
//
// Events: 'effect-tier' {from, to, reason, effect} · 'change' (setting or state changed)
//         · 'error' {code, message}

import { Emitter } from '../emitter.js';
import { mergeSetting, loadSetting, saveSetting, effectError, DEFAULT_SETTING, BLUR_STRENGTH,
  MAX_IMAGE_BYTES, DEFAULT_FACE, faceActive, mergeFaceSetting, loadFaceSetting, saveFaceSetting } from './settings.js';
import { faceFilterList } from './face-filters.js';
import { assetBase, loadManifest, fetchAsset, saveCustomImage, loadCustomImage } from './assets.js';
import { effectsSupport } from './support.js';
import { WorkerPipeline } from './worker-pipeline.js';
import { MainThreadPipeline } from './main-pipeline.js';
import { TierEvents } from './tier-events.js';

const APPLY_TIMEOUT_MS = 20000;
let catalogPromise = null;
let catalog = null;

/** {base, manifest} of the effect assets, loaded once per page. */
export function effectCatalog() {
  if (!catalogPromise) {
    catalogPromise = (async () => {
      const base = await assetBase();
      catalog = { base, manifest: await loadManifest(base) };
      return catalog;
    })();
    catalogPromise.catch(() => { catalogPromise = null; });
  }
  return catalogPromise;
}

/** window.buzzstream.effectImages(): the built-in backgrounds, [{id, title}]. */
export function effectImages() {
  return Object.entries(catalog?.manifest.backgrounds ?? {}).map(([id, b]) => ({ id, title: b.title ?? id }));
}

/** window.buzzstream.faceFilters(): [{id, title}]. */
export function faceFilters() { return faceFilterList(); }
const FILTER_IDS = faceFilterList().map((f) => f.id);

/** Decodes an image for a background, scaled down when huge; rejects with image_invalid. */
export async function decodeImage(src) {
  let blob = src;
  if (typeof ImageBitmap !== 'undefined' && src instanceof ImageBitmap) {
    return createImageBitmap(src);
  }
  if (typeof src === 'string') {
    let r;
    try { r = await fetch(src); } catch (err) { throw effectError('image_invalid', `The image could not be loaded: ${err.message}`); }
    if (!r.ok) throw effectError('image_invalid', `The image could not be loaded: HTTP ${r.status}`);
    blob = await r.blob();
  }
  if (blob.size > MAX_IMAGE_BYTES) {
    throw effectError('image_invalid', `The image is ${(blob.size / 1048576).toFixed(1)} MB; the limit is 25 MB.`);
  }
  try {
    // Decoded straight to at most 1920 px wide: a 50-megapixel photo never exists in full.
    const probe = await createImageBitmap(blob, { resizeWidth: 1920, resizeQuality: 'medium' });
    if (probe.height <= 2160) return probe;
    probe.close();
    return await createImageBitmap(blob, { resizeHeight: 2160, resizeQuality: 'medium' });
  } catch {
    throw effectError('image_invalid', 'That file is not an image this browser can decode.');
  }
}

export class Effects extends Emitter {
  /** @param {(track: MediaStreamTrack|null) => Promise<void>} publish  sends a camera track to peers */
  constructor(publish) {
    super();
    this.publish = publish;
    this.setting = loadSetting();
    this.face = loadFaceSetting(FILTER_IDS);
    this.source = null;           // the camera's own track
    this.pipeline = null;
    this.pipelineReady = null;    // Promise resolved on 'ready'
    this.output = null;           // the track peers get now
    this.version = 0;
    this.waiters = [];            // {version, resolve, reject, timer}
    this.applied = -1;
    this.activeTier = null;
    this.tierEvents = new TierEvents((e) => this.emit('effect-tier', e));
    this.stats = null;
    this.kernels = null;
    this.restored = this._restore();
  }

  /** The remembered setting from the last call: re-applied when the camera starts. */
  async _restore() {
    if (faceActive(this.face)) {
      try { await this.setFace({}); } catch (err) {
        this.face = { ...DEFAULT_FACE };
        this.emit('error', { code: err.code ?? 'effects_unsupported', message: err.message });
      }
    }
    if (this.setting.background === 'none') return;
    try {
      if (this.setting.image === 'custom') {
        const blob = await loadCustomImage();
        this.setting.image = blob ?? null;
        if (!blob && this.setting.background === 'image') this.setting.background = 'none';
      }
      await this.set({});
    } catch (err) {
      this.setting = { ...DEFAULT_SETTING };
      this.emit('error', { code: err.code ?? 'effects_unsupported', message: err.message });
    }
  }

  effect() {
    const s = this.setting;
    const image = s.image === null || typeof s.image === 'string' ? s.image : 'custom';
    return { background: s.background, image, tier: s.tier, activeTier: this.bgActive ? this.activeTier : null,
      backend: this.active && this.stats?.backend ? this.stats.backend : s.backend };
  }

  /** window.buzzstream.faceEffect(). */
  faceEffect() {
    const f = this.face;
    return { touchUp: f.touchUp, lowLight: f.lowLight, filter: f.filter,
      activeTier: faceActive(f) && this.pipeline ? this.activeTier : null };
  }

  /** Any effect (background or face) is on: the processed track is sent. */
  get active() { return this.bgActive || faceActive(this.face); }
  get bgActive() { return this.setting.background !== 'none'; }
  get faceOn() { return faceActive(this.face); }

  /** The track to send for camera track `raw` (or null); called on every camera change. */
  setSource(raw) {
    this.source = raw;
    if (!this.active || !raw) {
      this.pipeline?.setSource(null);
      this.output = raw;
      return raw;
    }
    if (this.pipeline) {
      this.pipeline.setSource(raw);
      // Peers keep the generator's track; until its first frame the camera's own is sent.
      if (this.applied >= 0) { this.output = this.pipeline.track; return this.output; }
    } else {
      this.set({}).catch(() => {});
    }
    this.output = raw;
    return raw;
  }

  /** window.buzzstream.setEffect(change). */
  async set(change) {
    const { base, manifest } = await effectCatalog().catch((err) => {
      throw effectError('model_load_failed', err.message);
    });
    const builtins = Object.keys(manifest.backgrounds ?? {});
    const next = mergeSetting(this.setting, change, builtins);
    let bitmap = null;
    if (next.background === 'image' && (change.image !== undefined || this.setting.background !== 'image' || !this.bgSent)) {
      bitmap = await this._imageBitmap(next.image, base, manifest);
    }
    if (next.background !== 'none' || this.faceOn) {
      const sup = effectsSupport();
      if (!sup.ok) throw effectError('effects_unsupported', `Background effects need ${sup.missing}, which this browser lacks.`);
    }
    if (isUpload(change.image)) saveCustomImage(change.image instanceof Blob ? change.image : await bitmapBlob(bitmap));
    this.setting = next;
    saveSetting(next);
    this.emit('change', this.effect());
    this._announceStarts();
    if (!this.active) return this._turnOff();
    try {
      await this._ensurePipeline(base, manifest);
    } catch (err) {
      // Nothing half-on: the call goes on with the camera's own picture.
      this.setting = { ...next, background: 'none' };
      saveSetting(this.setting);
      this.emit('change', this.effect());
      throw err;
    }
    const version = ++this.version;
    if (bitmap) {
      this.pipeline.post({ type: 'background', bitmap, version }, [bitmap]);
      this.bgSent = true;
    }
    this._postSetting(version);
    return this._applyAndSend(version);
  }

  _postSetting(version) {
    const next = this.setting;
    const mode = next.background === 'image' ? 'image' : next.background === 'none' ? 'none' : 'blur';
    this.pipeline.post({ type: 'setting', mode, strength: BLUR_STRENGTH[next.background] ?? 50,
      tier: next.tier, backend: next.backend, version });
  }

  async _applyAndSend(version) {
    if (!this.source || this.source.readyState !== 'live') return undefined;   // applied when the camera starts
    this.pipeline.setSource(this.source);
    await this._waitApplied(version);
    await this._sendProcessed();
    return undefined;
  }

  /** window.buzzstream.setFaceEffect(change). */
  async setFace(change) {
    const next = mergeFaceSetting(this.face, change, FILTER_IDS);
    if (faceActive(next)) {
      const sup = effectsSupport();
      if (!sup.ok) throw effectError('effects_unsupported', `Face effects need ${sup.missing}, which this browser lacks.`);
    }
    const { base, manifest } = faceActive(next) ? await effectCatalog().catch((err) => {
      throw effectError('model_load_failed', err.message);
    }) : {};
    this.face = next;
    saveFaceSetting(next);
    this.emit('change', this.effect());
    this._announceStarts();
    if (!this.active) return this._turnOff();
    if (!this.pipeline) {
      try {
        await this._ensurePipeline(base, manifest);
      } catch (err) {
        this.face = { ...DEFAULT_FACE };
        saveFaceSetting(this.face);
        this.emit('change', this.effect());
        throw err;
      }
      const v = ++this.version;
      this._postSetting(v);
    }
    const version = ++this.version;
    this.pipeline.post({ type: 'face', ...next, version });
    return this._applyAndSend(version);
  }

  /** Once processed frames flow, peers (and the self-view) get them instead of the camera's. */
  _sendProcessed() {
    if (!this.active || !this.pipeline || this.applied < 0 || !this.source) return undefined;
    if (this.output === this.pipeline.track) return this.publishing;
    this.output = this.pipeline.track;
    this.publishing = this.publish(this.output);
    return this.publishing;
  }

  async _imageBitmap(image, base, manifest) {
    if (typeof image === 'string' && manifest.backgrounds?.[image]) {
      const entry = manifest.backgrounds[image];
      const buf = await fetchAsset(base, entry, { what: `background ${image}`, code: 'image_invalid' });
      return decodeImage(new Blob([buf], { type: 'image/jpeg' }));
    }
    return decodeImage(image);
  }

  async _ensurePipeline(base, manifest) {
    if (this.pipeline) return this.pipelineReady;
    const sup = effectsSupport();
    const Impl = sup.path === 'worker' ? WorkerPipeline : MainThreadPipeline;
    let ready;
    this.pipelineReady = new Promise((resolve, reject) => { ready = { resolve, reject }; });
    this.pipelineReady.catch(() => {});
    this.pipeline = new Impl({ base, manifest, tier: this.setting.tier,
      onMessage: (m) => this._onMessage(m, ready) });
    this.path = this.pipeline.name;
    try {
      await this.pipelineReady;
    } catch (err) {
      this.pipeline.destroy();
      this.pipeline = null;
      this.tierEvents.reset();
      throw err;
    }
    if (this.faceOn) this.pipeline.post({ type: 'face', ...this.face, version: ++this.version });
    return undefined;
  }

  _onMessage(m, ready) {
    switch (m.type) {
      case 'ready': this.kernels = m.kernels; ready.resolve(); break;
      case 'error': {
        const err = effectError(m.code, m.message);
        if (m.fatal) { ready.reject(err); this._rejectAll(err); }
        if (m.reject !== undefined && m.face) {
          // The face models could not be loaded: nothing half-on.
          this.face = { ...DEFAULT_FACE };
          saveFaceSetting(this.face);
          this._announceStarts();
          this._rejectAll(err);
          if (!this.active) this._turnOff().catch(() => {});
        } else if (m.reject !== undefined) {
          // The back end asked for cannot run: the effect goes on with the one chosen by measurement.
          this.setting = { ...this.setting, backend: 'auto' };
          saveSetting(this.setting);
          this._rejectAll(err);
        }
        this.emit('error', { code: m.code, message: m.message });
        break;
      }
      case 'applied':
        this.applied = Math.max(this.applied, m.version);
        // The camera may have started after setEffect: switch to the processed track now.
        this._sendProcessed()?.catch?.(() => {});
        for (const w of [...this.waiters]) {
          if (w.version <= this.applied) this._settle(w, null);
        }
        break;
      case 'tier':
        this.activeTier = m.to;
        // One policy for both effects: each running effect reports the switch.
        this.tierEvents.reported(m, this._effectsOn(), this.setting.tier);
        this.emit('change', this.effect());
        break;
      case 'stats': this.stats = m; if (m.activeTier) this.activeTier = m.activeTier; break;
      case 'ended': break;
      default: break;
    }
  }

  _effectsOn() { return { background: this.bgActive, face: this.faceOn }; }

  /** An effect turned on next to one already running hears of the tier from here (tier-events.js). */
  _announceStarts() { this.tierEvents.update(this._effectsOn(), this.setting.tier); }

  _waitApplied(version) {
    if (this.applied >= version) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { version, resolve, reject };
      w.timer = setTimeout(() => this._settle(w, effectError('effects_unsupported',
        'The effect did not produce a frame in time.')), APPLY_TIMEOUT_MS);
      this.waiters.push(w);
    });
  }

  _settle(w, err) {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    clearTimeout(w.timer);
    if (err) w.reject(err); else w.resolve();
  }

  _rejectAll(err) { for (const w of [...this.waiters]) this._settle(w, err); }

  async _turnOff() {
    this._rejectAll(effectError('cancelled', 'The effect was turned off.'));
    this.pipeline?.stop();
    // activeTier stays: the worker's policy keeps its tier while no frames flow and reports
    // only changes, so it is still the tier when an effect turns on again.
    this.stats = null;
    this.applied = -1;
    this.bgSent = false;
    if (this.output !== this.source) {
      this.output = this.source;
      await this.publish(this.source);
    }
    this.emit('change', this.effect());
  }

  /** Encoder state from getStats (about once a second). */
  encoder(ql, encodeMs) { this.pipeline?.post({ type: 'encoder', ql, encodeMs }); }

  /** localStats().effects, or null while no effect is on. */
  localStats() {
    if (!this.active || !this.pipeline) return null;
    const s = this.stats ?? {};
    const f = s.face ?? {};
    return { background: this.setting.background, tier: this.setting.tier,
      faces: f.faces ?? 0, detectMs: f.detectMs ?? 0, landmarkMs: f.landmarkMs ?? 0,
      trackedFrames: f.trackedFrames ?? 0, redetections: f.redetections ?? 0,
      refinements: f.refinements ?? 0, faceDetail: this.faceOn ? f.detail ?? null : null,
      activeTier: this.activeTier ?? s.activeTier, backend: s.backend ?? 'cpu', fps: s.fps ?? 0,
      inferEvery: s.inferEvery ?? 1, inferMs: s.inferMs ?? 0, compositeMs: s.compositeMs ?? 0,
      addedLatencyMs: s.addedLatencyMs ?? 0, switches: s.switches ?? 0, path: this.path,
      kernels: this.kernels, backendTrial: s.backendTrial ?? null };
  }

  destroy() {
    this._rejectAll(effectError('cancelled', 'Closed.'));
    this.pipeline?.destroy();
    this.pipeline = null;
    this.tierEvents.reset();
  }
}

function isUpload(x) {
  return (typeof Blob !== 'undefined' && x instanceof Blob) ||
    (typeof ImageBitmap !== 'undefined' && x instanceof ImageBitmap);
}

async function bitmapBlob(bitmap) {
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  c.getContext('2d').drawImage(bitmap, 0, 0);
  return c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}
