# batch.mk - process a directory of images with tilespool, redoing only the
# outputs whose input or filter chain changed.  Called by `make batch`:
#
#   make batch IN=photos OUT=processed FILTER=gaussian_blur:sigma=2 [WORKERS=4]
#
# or directly:  make -f scripts/batch.mk IN=... OUT=... FILTER=... TILESPOOL=tilespool
# Each output depends on its input and on a stamp file holding the chain,
# which is rewritten only when FILTER differs from the last run's.  A
# missing IN folder is an error, not "Nothing to be done".

ifeq ($(strip $(IN)),)
$(error give IN=FOLDER, the folder of images to process)
endif
ifeq ($(wildcard $(IN)/.),)
$(error IN=$(IN): no such folder)
endif

TILESPOOL ?= tilespool
SPOOL     ?= $(OUT)/.spool
INPUTS    := $(wildcard $(IN)/*.png $(IN)/*.jpg $(IN)/*.jpeg $(IN)/*.PNG $(IN)/*.JPG $(IN)/*.webp)
OUTPUTS   := $(patsubst $(IN)/%,$(OUT)/%,$(INPUTS))
# GIF is read only: a .gif input gives a .png output
OUTPUTS   += $(patsubst $(IN)/%.gif,$(OUT)/%.png,$(wildcard $(IN)/*.gif))
STAMP     := $(OUT)/.tilespool-chain

.PHONY: all FORCE
all: $(OUTPUTS)

$(STAMP): FORCE
	@mkdir -p $(OUT)
	@printf '%s\n' '$(FILTER)' | cmp -s - $@ || printf '%s\n' '$(FILTER)' > $@

$(OUT)/%: $(IN)/% $(STAMP)
	@echo tilespool run -f '$(FILTER)' '$<' '$@'
	@$(TILESPOOL) run -q --spool '$(SPOOL)' -f '$(FILTER)' $(if $(WORKERS),-w $(WORKERS)) '$<' '$@'

$(OUT)/%.png: $(IN)/%.gif $(STAMP)
	@echo tilespool run -f '$(FILTER)' '$<' '$@'
	@$(TILESPOOL) run -q --spool '$(SPOOL)' -f '$(FILTER)' $(if $(WORKERS),-w $(WORKERS)) '$<' '$@'
