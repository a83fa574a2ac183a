# bench-effects-quality: each effect tier's mask against a truth known by construction
# (composites of a matted person on real backgrounds), its agreement with pose_heavy and its
# temporal stability under camera noise; one line per figure, then a summary per tier.
# About a minute on 2 cores. Results: docs/effects.md, "Quality per tier". The candidate tier
# definitions (pose models, letterboxed selfie_general, other refinements) are measured with
# `node bench/effects/quality.mjs --candidates`; `--png DIR` writes the overlays to check.
.PHONY: bench-effects-quality
bench-effects-quality: $(BUILD)/models/.stamp $(BUILD)/nn.wasm
	timeout 300 node $(FXW_NODE_FLAGS) bench/effects/quality.mjs --json $(BUILD)/bench-effects-quality.json

BENCH_TARGETS += bench-effects-quality
