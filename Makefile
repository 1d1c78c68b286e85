# tilespool - build, test, demo, bench, install.
#
#   make            build programs, filters and the driver into build/
#   make demo       run a visible chain on a generated sample image
#   make test       build everything (plus an ASan/UBSan build) and run every test
#   make check T=test_claim   (or T=seam, T="e2e/seam unit/test_tile")  run only those tests
#   make bench      the benchmark (docs/benchmarks.md)
#   make batch IN=dir OUT=dir FILTER=chain [WORKERS=n]   redo only changed outputs
#   make install PREFIX=/usr/local DESTDIR=
#
# Generated files have explicit rules: filter.c|.wat -> .wasm -> wasm2c .c/.h -> .so.
# Header dependencies are tracked with -MMD.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
SAN       ?=
CC        ?= cc
WASM_CC   ?= clang
WASM2C    ?= wasm2c
WAT2WASM  ?= wat2wasm
WASM_VALIDATE ?= wasm-validate --disable-simd

ifeq ($(SAN),1)
B         := build/asan
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B         := build
SANFLAGS  :=
endif

# -ffp-contract=off: filters must give the same bits natively and under wasm
# (which has no fused multiply-add), and the host must not differ either.
CSTD      := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
WARN      := -Wall -Wextra -Werror
OPT       ?= -O2 -g
# common/ is one library in layers, each a folder (docs/layout.md):
# util <- image <- job <- {spool, sandbox}.  Each layer is compiled with
# only its own and the lower layers' include directories, so that an
# #include of a higher layer (or of spool from sandbox, and back) fails
# to compile; each is its own archive, and status, inspect and the
# assembler link no sandbox (and no WebAssembly runtime).
LAYERS    := util image job spool sandbox
INC_util    := -Icommon/util
INC_image   := $(INC_util) -Icommon/image
INC_job     := $(INC_image) -Icommon/job
INC_spool   := $(INC_job) -Icommon/spool
INC_sandbox := $(INC_job) -Icommon/sandbox -Icommon
INC_all     := $(INC_spool) -Icommon/sandbox -Icommon
LAYER_INC  = $(INC_all)
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -ffp-contract=off $(SANFLAGS) $(LAYER_INC) -I/usr/share/wabt/wasm2c -MMD -MP \
             -DTS_VERSION='"$(VERSION)"' $(CFLAGS)
# The runtime must be exported so that filter objects loaded with dlopen
# resolve wasm_rt_* against the one copy in the worker.
WASMRT    := -rdynamic -Wl,--whole-archive -lwasm-rt-impl -Wl,--no-whole-archive
LIBS_BASE := -lpng -ljpeg -lcjson -lz -lm -lgif -pthread \
             $(shell pkg-config --libs libsodium libexif libtiff-4 libwebp libwebpmux libwebpdemux)
LIBS      := $(LIBS_BASE) -ldl -lseccomp
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

LAYER_LIB   = $(B)/lib/lib$(1).a
# the archives a program links, highest layer first
LIBS_SPOOL := $(foreach l,spool job image util,$(call LAYER_LIB,$(l)))
LIBS_ALL   := $(foreach l,sandbox spool job image util,$(call LAYER_LIB,$(l)))
PROGRAMS   := splitter worker assembler status inspect
# programs that join spool and sandbox; the others see the spool only
PROG_FULL  := splitter worker
PROG_BIN   := $(PROGRAMS:%=$(B)/bin/%)

FILTER_C    := $(wildcard filters/*.c)
FILTER_WAT  := $(wildcard filters/*.wat)
FILTER_NAMES := $(sort $(notdir $(FILTER_C:.c=) $(FILTER_WAT:.wat=)))
HOSTILE_C   := $(wildcard filters/hostile/*.c)
HOSTILE_WAT := $(wildcard filters/hostile/*.wat)
HOSTILE_NAMES := $(sort $(notdir $(HOSTILE_C:.c=) $(HOSTILE_WAT:.wat=)))
# A module that imports anything cannot be linked, and the others here would
# be unsafe or a burden to compile; each must be refused from its .wasm
# alone (wasm_check.h), so they are built to .wasm only.
HOSTILE_WASM_ONLY := imports_host table_as_memory global_as_memory memory64 shared_memory \
                     import_memory process_signature halo_global memory_huge table_huge
FILTER_SO   := $(FILTER_NAMES:%=build/filters/%.so) \
               $(patsubst %,build/filters/hostile/%.so,$(filter-out $(HOSTILE_WASM_ONLY),$(HOSTILE_NAMES))) \
               $(HOSTILE_WASM_ONLY:%=build/filters/hostile/%.wasm)
NATIVE_SO   := $(notdir $(FILTER_C:.c=))
NATIVE_SO   := $(NATIVE_SO:%=build/native/%.so)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
# the benchmark's programs (bench/): the in-process floor and its probes
BENCH_BIN  := $(B)/tools/floor $(B)/tools/tileprobe $(B)/tools/runstat
# libvips as one process, the speedmem case's peer: built by `make bench` alone
VIPS_PEER  := $(B)/tools/vips_speedmem

.PHONY: all deps programs filters tools test check demo bench batch fuzz crashtest install uninstall clean
.SUFFIXES:
.SECONDARY:
.DELETE_ON_ERROR:

all: deps programs filters tools $(B)/bin/tilespool

deps: build/.deps-ok
build/.deps-ok: scripts/install-deps
	@sh scripts/install-deps
	@mkdir -p build && touch $@

programs: $(PROG_BIN)
filters: $(FILTER_SO) $(NATIVE_SO)
tools: $(TOOL_BIN) $(UNIT_BIN) $(BENCH_BIN)

# ---- host code -------------------------------------------------------------

$(B)/obj/%.o: %.c | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

define layer_rule
$(B)/obj/common/$(1)/%.o: LAYER_INC = $(INC_$(1))
$(call LAYER_LIB,$(1)): $(patsubst %.c,$(B)/obj/%.o,$(wildcard common/$(1)/*.c))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

define program_rule
$(if $(filter $(PROG_FULL),$(1)),,$(B)/obj/$(1)/%.o: LAYER_INC = $(INC_spool))
$(B)/bin/$(1): $$(patsubst %.c,$(B)/obj/%.o,$$(wildcard $(1)/*.c)) \
               $(if $(filter $(PROG_FULL),$(1)),$(LIBS_ALL),$(LIBS_SPOOL))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $(if $(filter $(PROG_FULL),$(1)),$$(WASMRT) $$(LIBS),$$(LIBS_BASE))
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(B)/bin/tilespool: scripts/tilespool
	@mkdir -p $(dir $@)
	sed -e 's|@VERSION@|$(VERSION)|' $< > $@ && chmod +x $@

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(WASMRT) $(LIBS)

$(B)/tools/%: $(B)/obj/tests/tools/%.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(WASMRT) $(LIBS) -lpthread

$(BENCH_BIN): $(B)/tools/%: $(B)/obj/bench/%.o $(B)/obj/bench/whole.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(WASMRT) $(LIBS) -lpthread

$(VIPS_PEER): bench/vips_speedmem.c | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(SANFLAGS) $$(pkg-config --cflags vips) -o $@ $< \
	    $$(pkg-config --libs vips)

# ---- filters: C or WAT -> .wasm -> wasm2c C -> shared object ----------------
# Filters are built once, without sanitizers, and shared by both host builds.

WASM_CFLAGS := --target=wasm32 -nostdlib -O2 -std=c11 -Wall -Wextra -Werror \
               -ffp-contract=off -Ifilters -Wl,--no-entry -Wl,--export-dynamic \
               -Wl,-z,stack-size=1048576
# The flags of filter objects live in one file, read here and by tilespool
# for users' modules (common/glue/filter.cflags says why each is there).
W2C_CFLAGS  := $(shell sed 's/\#.*//' common/glue/filter.cflags)
NATIVE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -O2 -fPIC -shared -ffp-contract=off $(WARN) \
                 -fvisibility=hidden -DTSF_NATIVE -Ifilters

build/filters/%.wasm: filters/%.c filters/tsf.h filters/tsf_filter.h filters/tsf_global.h filters/tsf_plan.h filters/tsf_kernels.h | build/.deps-ok
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -o $@ $<
	$(VALIDATE) $@

build/filters/%.wasm: filters/%.wat | build/.deps-ok
	@mkdir -p $(dir $@)
	$(WAT2WASM) $(WAT_FLAGS) -o $@ $<
	$(VALIDATE) $@

build/filters/hostile/%.wasm: filters/hostile/%.c filters/tsf.h filters/tsf_filter.h filters/tsf_global.h filters/tsf_plan.h filters/tsf_kernels.h | build/.deps-ok
	@mkdir -p $(dir $@)
	@# hostile C modules test the ABI version 1 path: the SDK builds them as such
	$(WASM_CC) $(WASM_CFLAGS) -DTSF_ABI_V1 -o $@ $<
	$(VALIDATE) $@

build/filters/hostile/%.wasm: filters/hostile/%.wat | build/.deps-ok
	@mkdir -p $(dir $@)
	$(WAT2WASM) $(WAT_FLAGS) -o $@ $<
	$(VALIDATE) $@

# Every module built here goes through wasm-validate, as users' modules do,
# but for hostile ones that need a feature filters may not use: wat2wasm
# builds them with it, wasm-validate would refuse them (and the host's
# check refuses them before that).
VALIDATE := $(WASM_VALIDATE)
build/filters/hostile/memory64.wasm: WAT_FLAGS := --enable-memory64
build/filters/hostile/shared_memory.wasm: WAT_FLAGS := --enable-threads
build/filters/hostile/memory64.wasm build/filters/hostile/shared_memory.wasm: VALIDATE := :

%.wasm.c %.wasm.h: %.wasm
	$(WASM2C) -n tsf -o $*.wasm.c $<

%.so: %.wasm.c %.wasm.h common/glue/filter_glue.c common/filter_glue.h common/glue/filter_object.h \
      common/glue/filter.cflags
	$(CC) $(W2C_CFLAGS) -Icommon -include common/glue/filter_object.h -include $*.wasm.h \
	    -o $@ $*.wasm.c common/glue/filter_glue.c

build/native/%.so: filters/%.c filters/tsf.h filters/tsf_filter.h filters/tsf_global.h filters/tsf_plan.h filters/tsf_kernels.h | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(NATIVE_CFLAGS) -o $@ $<

# The geometry filters' own headers.
build/filters/resize.wasm build/filters/thumbnail.wasm build/native/resize.so \
build/native/thumbnail.so: filters/tsf_resample.h
build/filters/crop.wasm build/filters/rotate.wasm build/filters/flip.wasm \
build/filters/transpose.wasm build/native/crop.so build/native/rotate.so build/native/flip.so \
build/native/transpose.so: filters/tsf_geometry.h
build/native-best/resize.so build/native-best/thumbnail.so: filters/tsf_resample.h
build/native-best/crop.so build/native-best/rotate.so build/native-best/flip.so \
build/native-best/transpose.so: filters/tsf_geometry.h

# The unsandboxed best, built only for comparison by bench/filterperf.
build/native-best/%.so: filters/%.c filters/tsf.h filters/tsf_filter.h filters/tsf_plan.h filters/tsf_kernels.h | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(NATIVE_CFLAGS) -O3 -march=native -o $@ $<

# ---- tests, demo, bench ----------------------------------------------------

test: all
	$(MAKE) SAN=1 programs tools
	@# the benchmark's peers, for its smoke test (which skips without them)
	-@TILESPOOL_BENCH_DEPS=1 sh scripts/install-deps
	sh tests/run

check: all
	@test -n "$(T)" || { echo "usage: make check T=NAME (test_X for a unit test, X for tests/e2e/X.sh)"; exit 2; }
	$(MAKE) SAN=1 programs tools
	TESTS="$(T)" sh tests/run

demo: all
	sh scripts/demo

# Long runs of what `make test` runs briefly.
fuzz: all
	$(MAKE) -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300)

crashtest: all
	$(MAKE) SAN=1 programs tools
	TILESPOOL_CRASH_TRIALS=$(or $(TRIALS),1000) TILESPOOL_CRASH_SWEEP_FULL=1 \
	  TESTS="crash_random crash_sweep" sh tests/run

bench: all
	@TILESPOOL_BENCH_DEPS=1 sh scripts/install-deps
	@if pkg-config --exists vips; then $(MAKE) --no-print-directory $(VIPS_PEER); \
	 else echo "bench: no libvips-dev (pkg-config vips): the speedmem case runs without its libvips C peer"; fi
	sh bench/run $(if $(QUICK),--quick)

batch: all
	@test -n "$(IN)" -a -n "$(OUT)" -a -n "$(FILTER)" || \
	  { echo "usage: make batch IN=dir OUT=dir FILTER=chain [WORKERS=n]"; exit 2; }
	$(MAKE) -f scripts/batch.mk IN="$(IN)" OUT="$(OUT)" FILTER="$(FILTER)" \
	  WORKERS="$(WORKERS)" TILESPOOL="$(CURDIR)/build/bin/tilespool"

BINDIR     = $(DESTDIR)$(PREFIX)/bin
LIBEXECDIR = $(DESTDIR)$(PREFIX)/libexec/tilespool
FILTERDIR  = $(DESTDIR)$(PREFIX)/lib/tilespool/filters
# users' own modules are compiled against this glue, filters written with this SDK
GLUEDIR    = $(DESTDIR)$(PREFIX)/lib/tilespool/glue
SDKDIR     = $(DESTDIR)$(PREFIX)/include/tilespool
MANDIR     = $(DESTDIR)$(PREFIX)/share/man
COMPLDIR   = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
MAN1_PAGES := tilespool splitter worker assembler
MAN7_PAGES := tilespool-filter

install: all
	install -d $(BINDIR) $(LIBEXECDIR) $(FILTERDIR)
	install -m 755 build/bin/tilespool $(BINDIR)/tilespool
	install -m 755 $(PROGRAMS:%=build/bin/%) $(LIBEXECDIR)/
	install -m 644 $(FILTER_NAMES:%=build/filters/%.so) $(FILTER_NAMES:%=build/filters/%.wasm) \
	  $(FILTERDIR)/
	install -d $(GLUEDIR) $(SDKDIR)
	install -m 644 common/glue/filter_glue.c common/glue/filter_object.h common/filter_glue.h \
	    common/glue/filter.cflags $(GLUEDIR)/
	install -m 644 filters/tsf.h filters/tsf_filter.h filters/tsf_global.h filters/tsf_plan.h filters/tsf_kernels.h $(SDKDIR)/
	install -d $(MANDIR)/man1 $(MANDIR)/man7 $(COMPLDIR)
	install -m 644 $(MAN1_PAGES:%=docs/man/%.1) $(MANDIR)/man1/
	install -m 644 $(MAN7_PAGES:%=docs/man/%.7) $(MANDIR)/man7/
	install -m 644 scripts/tilespool-completion.bash $(COMPLDIR)/tilespool

uninstall:
	rm -f $(BINDIR)/tilespool $(PROGRAMS:%=$(LIBEXECDIR)/%)
	rm -f $(FILTER_NAMES:%=$(FILTERDIR)/%.so) $(FILTER_NAMES:%=$(FILTERDIR)/%.wasm)
	rm -f $(MAN1_PAGES:%=$(MANDIR)/man1/%.1) $(MAN7_PAGES:%=$(MANDIR)/man7/%.7) \
	  $(COMPLDIR)/tilespool
	rm -f $(GLUEDIR)/filter_glue.c $(GLUEDIR)/filter_glue.h $(GLUEDIR)/filter_object.h \
	    $(GLUEDIR)/filter.cflags
	rm -f $(SDKDIR)/tsf.h $(SDKDIR)/tsf_filter.h $(SDKDIR)/tsf_global.h $(SDKDIR)/tsf_plan.h $(SDKDIR)/tsf_kernels.h
	-rmdir $(LIBEXECDIR) $(FILTERDIR) $(GLUEDIR) $(SDKDIR) $(DESTDIR)$(PREFIX)/lib/tilespool 2>/dev/null

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
