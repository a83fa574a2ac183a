# Models: copies the pinned .tflite files out of node_modules into build/models/ (stable
# names) and build/assets/models/ (content-hashed names + manifest.json for the web client),
# verifying SHA-256 against models/manifest.json. A mismatch fails the build, naming the file.
MODELS_STAMP := $(BUILD)/models/.stamp

$(MODELS_STAMP): models/manifest.json models/fetch.mjs package-lock.json
	@mkdir -p $(dir $@)
	node models/fetch.mjs --build $(BUILD)
	@touch $@

.PHONY: models
models: $(MODELS_STAMP)

ALL_TARGETS += $(MODELS_STAMP)
