# BuzzStream top-level Makefile.
# Each component owns a fragment (server/server.mk, nn/nn.mk, ...) that appends to the
# variables below; this file only wires the README's commands together.
#
#   make          build everything into build/
#   make run      install missing dependencies, build, start buzzd on :8080
#   make test     every test suite (unit, sanitizers, fuzz smoke, numerical, browser e2e)
#   make bench    benchmarks, one line per figure
#   make fuzz     longer fuzzing runs

include mk/common.mk

ALL_TARGETS :=
TEST_SUITES :=
BENCH_TARGETS :=
FUZZ_TARGETS :=

# Every component drops its own fragment here; none edits another's.
-include $(sort $(wildcard server/*.mk nn/*.mk fx/*.mk models/*.mk web/*.mk tests/*/*.mk bench/*/*.mk))

.DEFAULT_GOAL := all
.PHONY: all run test bench fuzz deps clean

all: $(ALL_TARGETS)

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	./build/buzzd --port $(or $(PORT),8080) --host $(or $(HOST),0.0.0.0) --data-dir $(or $(DATA_DIR),./data)

# Runs every suite even when one fails, then prints one summary line.
test: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-suites.sh $(TEST_SUITES)

bench: deps
	@$(MAKE) --no-print-directory all
	@for t in $(BENCH_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done

fuzz: deps
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done

clean:
	rm -rf build
