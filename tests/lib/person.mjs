// A fake camera showing a real person, the reference mask of that picture and the pixel
// metrics the background blur/replacement e2e tests need. One import for the tests:
//
//   const cam = await makePersonY4m(dir);               // --use-file-for-fake-video-capture
//   const { person, background } = await regionsAt(w, h); // from the reference runtime
//   const orig = await originalFrameRGBA({ width: w, height: h });
//   meanAbsDiff(lumaOf(frame, w, h), lumaOf(orig.data, w, h), person) ...
//
// person-picture.mjs: sources, licences and layout; person-mask.mjs: how the mask is made;
// person-metrics.mjs: the metrics. Self-test: tests/lib/person.test.mjs.

export {
  SOURCES, centreWidth, decodeFrameRGBA, loadBackground, makePersonY4m, originalFrameRGBA, panAmplitude, panShift,
} from './person-picture.mjs';
export { MASK_MODELS, defaultErode, referenceMask, referenceProbabilities, regions, regionsAt } from './person-mask.mjs';
export { localVariance, lumaOf, matchImage, meanAbsDiff } from './person-metrics.mjs';
