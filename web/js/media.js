// Local devices: microphone, camera, screen; device lists and choices (remembered in
// localStorage); errors turned into codes the UI can explain.

import { N } from './i18n.js';
import { Emitter } from './emitter.js';
import { Effects } from './effects/effects.js';

const CAMERA_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 },
  frameRate: { ideal: 30, max: 30 } };
// "Video quality" of the Settings dialog: what the camera captures, and whether the encoder
// may trade resolution for frame rate (contentHint "" lets it; "detail" keeps resolution).
export const VIDEO_QUALITIES = ['auto', '720p', '360p', 'audio-only'];
const QUALITY_SIZE = { auto: [1280, 720], '720p': [1280, 720], '360p': [640, 360] };
// Screens: detail over motion. Up to 1080p at no more than 15 fps.
const SCREEN_CONSTRAINTS = { video: { width: { max: 1920 }, height: { max: 1080 },
  frameRate: { ideal: 15, max: 15 } }, audio: false };
const PREF_KEY = 'buzz.devices';

/** A stable code for a getUserMedia/getDisplayMedia failure. */
export function mediaErrorCode(err) {
  switch (err?.name) {
    case 'NotAllowedError': case 'SecurityError': return 'permission_denied';
    case 'NotFoundError': case 'OverconstrainedError': return 'no_device';
    case 'NotReadableError': case 'AbortError': return 'device_busy';
    default: return 'media_error';
  }
}

export const MEDIA_MESSAGES = {
  permission_denied: N('permission was denied. Allow it in the browser\'s site settings.'),
  no_device: N('no device was found.'),
  device_busy: N('the device is in use by another application.'),
  media_error: N('the device could not be started.'),
};

function loadPrefs() {
  let p = {};
  try { p = JSON.parse(localStorage.getItem(PREF_KEY)) || {}; } catch { /* none */ }
  // "Audio only" is a choice for one call: a new call starts with the camera as usual.
  if (p.videoQuality === 'audio-only') delete p.videoQuality;
  return p;
}

export class LocalMedia extends Emitter {
  constructor() {
    super();
    this.tracks = { audio: null, camera: null, screen: null };  // the devices' own tracks
    this.micOn = true;
    // {audioinput, videoinput, audiooutput: deviceId, noiseSuppression, echoCancellation,
    //  videoQuality}
    this.prefs = loadPrefs();
    // What peers get for the camera: its own track, or the background effect's output.
    this.cameraOut = null;
    this.publishSink = null;       // (kind, track) => Promise, set by the Room
    this.effects = new Effects((track) => this._publish('camera', track));
  }

  /** Emits 'track' and waits until the Room has handed the track to every peer. */
  _publish(kind, track) {
    if (kind === 'camera') this.cameraOut = track;
    this.emit('track', { kind, track });
    return Promise.resolve(this.publishSink?.(kind, track));
  }

  _constraint(kind) {
    const id = this.prefs[kind];
    return id ? { deviceId: { exact: id } } : {};
  }

  async _get(kind) {
    const isAudio = kind === 'audioinput';
    const [w, h] = QUALITY_SIZE[this.prefs.videoQuality] ?? QUALITY_SIZE.auto;
    const c = isAudio ? { audio: { ...this._constraint(kind),
      echoCancellation: this.prefs.echoCancellation !== false,
      noiseSuppression: this.prefs.noiseSuppression !== false } } :
      { video: { ...CAMERA_CONSTRAINTS, width: { ideal: w }, height: { ideal: h },
        ...this._constraint(kind) } };
    try {
      return (await navigator.mediaDevices.getUserMedia(c)).getTracks()[0];
    } catch (err) {
      // A remembered device that was unplugged: fall back to the default one.
      if (this.prefs[kind] && (err.name === 'OverconstrainedError' || err.name === 'NotFoundError')) {
        delete this.prefs[kind];
        return this._get(kind);
      }
      throw err;
    }
  }

  /**
   * Starts the microphone and/or camera. Failures do not throw: joining without devices
   * is allowed. @returns {{mic: string|null, camera: string|null}} error codes
   */
  async start({ mic = true, camera = true } = {}) {
    const errors = { mic: null, camera: null };
    if (!navigator.mediaDevices?.getUserMedia) {
      return { mic: mic ? 'no_device' : null, camera: camera ? 'no_device' : null };
    }
    // micOn is settled right after the microphone starts: a setMic(false) made while the
    // camera is still starting must not be overwritten afterwards.
    if (mic) {
      errors.mic = await this._startKind('audio');
      if (!this.tracks.audio) this.micOn = false;
    } else {
      this.micOn = false;
    }
    if (camera) errors.camera = await this._startKind('camera');
    return errors;
  }

  async _startKind(kind) {
    if (this.tracks[kind]) return null;
    try {
      const track = await this._get(kind === 'audio' ? 'audioinput' : 'videoinput');
      this._setTrack(kind, track);
      return null;
    } catch (err) {
      return mediaErrorCode(err);
    }
  }

  _setTrack(kind, track) {
    if (kind === 'camera' && track && 'contentHint' in track) {
      track.contentHint = this.prefs.videoQuality === '720p' ? 'detail' : '';
    }
    const old = this.tracks[kind];
    if (old && old !== track) old.stop();
    this.tracks[kind] = track;
    if (kind === 'audio' && track) track.enabled = this.micOn;
    this._publish(kind, kind === 'camera' ? this.effects.setSource(track) : track);
  }

  /** Mute keeps the track (instant unmute); unmute starts the microphone if needed. */
  async setMic(on) {
    this.micOn = on;
    if (on && !this.tracks.audio) {
      const code = await this._startKind('audio');
      if (code) { this.micOn = false; return code; }
    }
    if (this.tracks.audio) this.tracks.audio.enabled = on;
    return null;
  }

  /** Camera off stops the track so the camera light goes out. */
  async setCamera(on) {
    if (!on) { this._setTrack('camera', null); return null; }
    // Turning the camera on ends "Audio only".
    if (this.prefs.videoQuality === 'audio-only') {
      this.prefs.videoQuality = 'auto';
      this._savePrefs();
      this.emit('quality', 'auto');
    }
    return this._startKind('camera');
  }

  get micActive() { return Boolean(this.tracks.audio && this.micOn); }
  get cameraActive() { return Boolean(this.tracks.camera && this.tracks.camera.readyState === 'live'); }

  /** Screen capture as its own track, marked as detail content. Throws on refusal. */
  async shareScreen() {
    if (this.tracks.screen) return this.tracks.screen;
    if (!navigator.mediaDevices?.getDisplayMedia) {
      const e = new Error('screen sharing is not supported here');
      e.code = 'not_supported';
      throw e;
    }
    const stream = await navigator.mediaDevices.getDisplayMedia(SCREEN_CONSTRAINTS);
    const track = stream.getVideoTracks()[0];
    if ('contentHint' in track) track.contentHint = 'detail';
    // The browser's own "Stop sharing" bar ends the track.
    track.addEventListener('ended', () => {
      if (this.tracks.screen === track) this._setTrack('screen', null);
    });
    this._setTrack('screen', track);
    return track;
  }

  stopShare() { this._setTrack('screen', null); }

  async devices() {
    try {
      const list = await navigator.mediaDevices.enumerateDevices();
      const by = { audioinput: [], videoinput: [], audiooutput: [] };
      for (const d of list) by[d.kind]?.push(d);
      return by;
    } catch { return { audioinput: [], videoinput: [], audiooutput: [] }; }
  }

  _savePrefs() {
    try { localStorage.setItem(PREF_KEY, JSON.stringify(this.prefs)); } catch { /* private */ }
  }

  /**
   * Noise suppression / echo cancellation ({noiseSuppression?, echoCancellation?}): the
   * microphone restarts with the new processing and reaches peers by replaceTrack.
   * @returns {Promise<string|null>} an error code
   */
  async setAudioProcessing(opts) {
    for (const k of ['noiseSuppression', 'echoCancellation']) {
      if (typeof opts[k] === 'boolean') this.prefs[k] = opts[k];
    }
    this._savePrefs();
    const old = this.tracks.audio;
    if (!old) return null;
    // Chrome gives a second capture of a device that is open the processing of the first,
    // so the old track stops first (a gap of a few milliseconds in what peers hear).
    old.stop();
    try {
      this._setTrack('audio', await this._get('audioinput'));
      return null;
    } catch (err) {
      this._setTrack('audio', null);
      return mediaErrorCode(err);
    }
  }

  /** One of VIDEO_QUALITIES. "audio-only" stops the camera (the room hides incoming video). */
  async setVideoQuality(q) {
    if (!VIDEO_QUALITIES.includes(q)) return 'bad_value';
    const was = this.prefs.videoQuality ?? 'auto';
    this.prefs.videoQuality = q;
    this._savePrefs();
    if (q !== was) this.emit('quality', q);
    if (q === 'audio-only') {
      this.cameraBeforeAudioOnly = this.cameraActive;
      this._setTrack('camera', null);
      return null;
    }
    // Leaving "Audio only" brings back the camera it turned off.
    if (was === 'audio-only' && this.cameraBeforeAudioOnly) {
      this.cameraBeforeAudioOnly = false;
      return this._startKind('camera');
    }
    const cam = this.tracks.camera;
    if (!cam) return null;
    const [w, h] = QUALITY_SIZE[q];
    if ('contentHint' in cam) cam.contentHint = q === '720p' ? 'detail' : '';
    try {
      await cam.applyConstraints({ ...CAMERA_CONSTRAINTS, width: { ideal: w }, height: { ideal: h } });
      return null;
    } catch { return 'media_error'; }
  }

  /** What the devices really run with (settings of the live tracks), for the API. */
  settings() {
    const a = this.tracks.audio?.getSettings?.() ?? {};
    const v = this.tracks.camera?.getSettings?.() ?? {};
    return {
      camera: v.deviceId ?? null, microphone: a.deviceId ?? null,
      speaker: this.prefs.audiooutput ?? '',
      noiseSuppression: a.noiseSuppression ?? this.prefs.noiseSuppression !== false,
      echoCancellation: a.echoCancellation ?? this.prefs.echoCancellation !== false,
      videoQuality: this.prefs.videoQuality ?? 'auto',
      cameraWidth: v.width ?? 0, cameraHeight: v.height ?? 0,
    };
  }

  /** Switches microphone or camera to deviceId and remembers the choice. */
  async choose(kind, deviceId) {
    this.prefs[kind] = deviceId;
    this._savePrefs();
    if (kind === 'audiooutput') { this.emit('sink', deviceId); return null; }
    const slot = kind === 'audioinput' ? 'audio' : 'camera';
    if (!this.tracks[slot]) return null;
    try {
      this._setTrack(slot, await this._get(kind));
      return null;
    } catch (err) { return mediaErrorCode(err); }
  }

  stopAll() {
    for (const kind of Object.keys(this.tracks)) this._setTrack(kind, null);
  }
}

/** A microphone level meter: returns a function giving the current level in 0..1. */
export function levelMeter(track) {
  const Ctx = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!Ctx || !track) return { read: () => 0, close() {} };
  const ctx = new Ctx();
  const src = ctx.createMediaStreamSource(new MediaStream([track]));
  const an = ctx.createAnalyser();
  an.fftSize = 512;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  return {
    read() {
      if (ctx.state === 'suspended') ctx.resume().catch(() => {});
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      // RMS mapped so ordinary speech (~0.05 RMS) fills about half the meter.
      return Math.min(1, Math.sqrt(sum / buf.length) * 10);
    },
    close() { ctx.close().catch(() => {}); },
  };
}
