// The screen share's encoder settings, for the mesh (peer.js) and SFU mode (sfu/sfu-call.js):
// text must stay sharp, so resolution is kept and the frame rate capped.

export const SCREEN_MAX_FPS = 15;
export const SCREEN_MAX_BITRATE = 2500000;     // bit/s; text stays sharp at 1080p / 15 fps

/** Applies them to `sender` (its encodings exist only after negotiation; before, nothing happens). */
export async function tuneScreenSender(sender) {
  if (!sender?.track) return;
  try {
    const p = sender.getParameters();
    if (!p.encodings || p.encodings.length === 0) return;
    for (const e of p.encodings) {
      e.maxFramerate = SCREEN_MAX_FPS;
      e.maxBitrate = SCREEN_MAX_BITRATE;
    }
    p.degradationPreference = 'maintain-resolution';
    await sender.setParameters(p);
  } catch (err) {
    console.debug('screen encoding parameters not applied', err);
  }
}
