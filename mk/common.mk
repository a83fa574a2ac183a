# Shared build settings for every C component.
BUILD     := build
CC        ?= cc
CLANG     ?= clang
WARN      := -Wall -Wextra -Werror
OPT       ?= -O2 -g
CSTD      := -std=c11 -D_GNU_SOURCE
CFLAGS_BASE := $(CSTD) $(WARN) $(OPT)
# Sanitizer build flags (used by the *-asan test binaries).
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
PKG       = $(shell pkg-config --cflags --libs $(1))

$(BUILD):
	@mkdir -p $@
