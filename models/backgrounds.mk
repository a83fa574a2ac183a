# Backgrounds: the built-in background images of models/backgrounds.json, converted from
# Debian's python3-skimage files (SHA-256 checked) by ffmpeg into content-hashed JPEGs under
# build/assets/backgrounds/ (1280x720 and a 160x90 thumbnail each), with their index in
# build/backgrounds/index.json. A mismatch fails the build, naming the file.
BACKGROUNDS_STAMP := $(BUILD)/backgrounds/.stamp

$(BACKGROUNDS_STAMP): models/backgrounds.json models/backgrounds.mjs
	@mkdir -p $(dir $@)
	node models/backgrounds.mjs --build $(BUILD)
	@touch $@

.PHONY: backgrounds
backgrounds: $(BACKGROUNDS_STAMP)

ALL_TARGETS += $(BACKGROUNDS_STAMP)
