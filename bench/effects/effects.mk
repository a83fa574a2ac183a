# bench-effects: the background effect's speed at 720p in headless Chromium — in a real call
# through buzzd (camera-paced, per tier: fps, latency p50/p95, CPU and main-thread ms per
# frame) and fed as fast as it goes, beside MediaPipe's own @mediapipe/selfie_segmentation
# solution doing the same blur in the same run (ratio lines). 4–5 minutes here; results in
# docs/bench.md, "Background effects". Then the face effects (bench/effects/face.mjs): tracked vs
# re-detection frame cost and each drawing step in node, and per face effect and tier in a
# call: fps, added latency p50/p95 (docs/effects.md, "Face effects"). Files prefixed quality-
# belong to the quality bench.
.PHONY: bench-effects
# (Fragments are read in sorted order, bench/ first, so the manifest is named, not $(ASSETS_MANIFEST).)
bench-effects: $(BUILD)/buzzd $(BUILD)/assets/manifest.json
	timeout 480 node bench/effects/run.mjs --json $(BUILD)/bench-effects.json
	timeout 480 node --no-warnings bench/effects/face.mjs --json $(BUILD)/bench-effects-face.json

BENCH_TARGETS += bench-effects
