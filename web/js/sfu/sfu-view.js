// What the page shows of each other participant's camera, for SFU mode's sfu-view
// (docs/protocol.md): every camera tile's <video> size in device pixels, 0 x 0 while it is not
// on screen (scrolled away, hidden, the tab in the background). Observed, not polled: tiles
// coming and going (MutationObserver), resizing (ResizeObserver), entering and leaving the
// viewport (IntersectionObserver) and the page's visibility; every change calls onViews with
// the whole list at most once per animation frame.

const TILE_SELECTOR = '.tile[data-kind="camera"]';

/** Starts watching root's camera tiles; returns a function that stops it. */
export function watchTiles(root, onViews) {
  const visible = new WeakMap();  // <video> → intersecting the viewport
  let frame = 0;
  const report = () => {
    frame = 0;
    const ratio = window.devicePixelRatio || 1;
    const views = [];
    for (const el of root.querySelectorAll(TILE_SELECTOR)) {
      const id = el.dataset.peerId;
      const video = el.querySelector('video');
      if (!id || id === 'self' || !video) continue;
      const r = video.getBoundingClientRect();
      const on = !document.hidden && visible.get(video) !== false && r.width > 0 && r.height > 0;
      views.push({ id, width: on ? r.width * ratio : 0, height: on ? r.height * ratio : 0 });
    }
    onViews(views);
  };
  const schedule = () => { if (!frame) frame = requestAnimationFrame(report); };
  const sizes = new ResizeObserver(schedule);
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) visible.set(e.target, e.isIntersecting);
    schedule();
  });
  const watched = new Set();
  const track = () => {
    const now = new Set(root.querySelectorAll(`${TILE_SELECTOR} video`));
    for (const v of watched) if (!now.has(v)) { sizes.unobserve(v); seen.unobserve(v); watched.delete(v); }
    for (const v of now) if (!watched.has(v)) { sizes.observe(v); seen.observe(v); watched.add(v); }
    schedule();
  };
  const tiles = new MutationObserver(track);
  tiles.observe(root, { childList: true, subtree: true });
  document.addEventListener('visibilitychange', schedule);
  track();
  return () => {
    tiles.disconnect();
    sizes.disconnect();
    seen.disconnect();
    document.removeEventListener('visibilitychange', schedule);
    if (frame) cancelAnimationFrame(frame);
  };
}
