# The web client's one asset manifest, build/assets/manifest.json (served no-cache): nn.wasm
# under a content-hashed name, the models and the backgrounds, every path relative to the
# assets base URL (buzzd's /assets/ or --assets-url). scripts/assets-manifest.mjs re-hashes
# each file it lists and writes the manifest last, so it never names a missing file.
# The stamps are spelled out: this fragment is read before models.mk and backgrounds.mk.
ASSETS_MANIFEST := $(BUILD)/assets/manifest.json

$(ASSETS_MANIFEST): scripts/assets-manifest.mjs $(BUILD)/nn.wasm $(BUILD)/nn-relaxed.wasm $(BUILD)/models/.stamp \
                    $(BUILD)/backgrounds/.stamp
	node scripts/assets-manifest.mjs --build $(BUILD)

.PHONY: assets-manifest
assets-manifest: $(ASSETS_MANIFEST)

ALL_TARGETS += $(ASSETS_MANIFEST)
