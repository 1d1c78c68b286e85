# tests/fuzz/fuzz.mk - build and run the libFuzzer targets.  Run from the top
# directory:
#
#   make -f tests/fuzz/fuzz.mk                  build build/fuzz/fuzz_* (clang, ASan + UBSan)
#   make -f tests/fuzz/fuzz.mk corpus           seed build/fuzz/corpus/NAME/ (tests/fuzz/seeds.sh)
#   make -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=N   run each target N seconds, one after another
#
# `make fuzz` runs the last for 300 s a target; tests/e2e/fuzz.sh runs each
# for a few seconds inside `make test`.  The evolving corpus stays in
# build/fuzz/corpus/NAME, inputs that crash land in build/fuzz/crashes/,
# libFuzzer's output in build/fuzz/logs/NAME.log.
#
# The library is compiled again here, with clang: libFuzzer needs its
# coverage instrumentation (-fsanitize=fuzzer-no-link) in the code under
# test, and build/lib/*.a are gcc's, without it.  Only the modules the
# targets reach are compiled (a link error names one that becomes needed),
# into an archive so each target links just what it uses; none reaches
# the sandbox's filter loading, so none links the wasm2c runtime.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
F            := build/fuzz
TARGETS      := netpbm manifest chain wasm_check describe exif
TARGETS      += tiff webp gif
BINS         := $(TARGETS:%=$(F)/fuzz_%)

# -fno-sanitize-recover: a UBSan finding must end the run like an ASan one,
# or libFuzzer would never save the input.
SAN          := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O1 -g \
                -Wall -Wextra -Werror -ffp-contract=off $(SAN) -fsanitize=fuzzer-no-link \
                -Icommon $(patsubst %,-Icommon/%,util image job spool sandbox) -I/usr/share/wabt/wasm2c -MMD -MP
LIBS         := -lpng -ljpeg -lexif -lcjson -lz -lm -lsodium -ltiff -lwebpmux -lwebpdemux -lwebp -lgif -pthread

FUZZ_COMMON  := chain err hash image image_exif image_jpeg image_jpeg_meta image_png image_pnm manifest manifest_file plan \
                image_opts image_tiff_read image_tiff_write image_tiff_exif png_parallel \
                netpbm spool spool_fs stage tile toolrun wasm_check wasm_check_read \
                wasm_check_sec
# image.c's codec table names every format's codec
FUZZ_COMMON  += image_gif image_tiff image_webp
# each module's object follows its source, wherever in common/'s layers it is
COMMON_OBJ   := $(foreach m,$(FUZZ_COMMON),$(patsubst %.c,$(F)/obj/%.o,$(wildcard common/*/$(m).c)))

.PHONY: all corpus run
.SUFFIXES:
.SECONDARY:
.DELETE_ON_ERROR:

all: $(BINS)

$(F)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# fuzz.mk is a prerequisite so that a change of FUZZ_COMMON remakes the
# archive: with .SECONDARY, a missing object alone would not.
$(F)/libcommon.a: $(COMMON_OBJ) tests/fuzz/fuzz.mk
	rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(F)/fuzz_%: $(F)/obj/tests/fuzz/fuzz_%.o $(F)/libcommon.a
	$(FUZZ_CC) $(SAN) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# Seeds come from the real programs, so they follow them; regenerating is
# idempotent (seeds have fixed names) and never removes what the fuzzer found.
SEED_DEPS := tests/fuzz/seeds.sh $(wildcard build/bin/splitter build/tools/mkimage)

corpus: $(F)/corpus/.seeded

$(F)/corpus/.seeded: $(SEED_DEPS)
	sh tests/fuzz/seeds.sh $(F)/corpus
	@touch $@

run: all corpus
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(TARGETS)

-include $(shell find $(F)/obj -name '*.d' 2>/dev/null)
