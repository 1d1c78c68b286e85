/*
 * whole.h - run a filter chain on whole images in one process: decode,
 * filter as one tile, encode.  No spool, no tiles, no worker.
 *
 * DESCRIPTION
 *	The benchmark's floor (bench/floor.c) and its probes share this.
 *	whole_load resolves a chain for either backend (filter.h) and keeps
 *	the modules; whole_image plans the image as one output tile (the
 *	stages' plan and regions, as the splitter plans a job), decodes the
 *	input straight into the first stage's memory (the rectangle the plan
 *	asks for, edges replicated where it reaches past the image), runs
 *	the chain with exec_chain and encodes the output image the plan
 *	makes (its size and channels) with the encoder settings the
 *	assembler uses (image.h).  Each phase is timed.
 *
 *	Native modules keep their arena per thread (filters/tsf.h), so one
 *	loaded chain may serve several threads at once.  The wasm2c runtime
 *	keeps its trap state in process globals: a sandboxed chain serves
 *	one thread per process.
 *
 * DIAGNOSTICS
 *	Functions return 0 or -1 and fill a caller's err[ERR_MAX] with one
 *	line naming the file or the filter.
 */
#ifndef TS_BENCH_WHOLE_H
#define TS_BENCH_WHOLE_H

#include "exec.h"
#include "image.h"
#include "resolve.h"

/* A resolved chain with its loaded modules. */
struct whole_chain {
    enum filter_backend backend;
    int nstages;
    struct stage_spec stages[CHAIN_MAX_STAGES];
    struct filter_module *mods[CHAIN_MAX_STAGES];
};

/* Seconds spent in each phase of whole_image. */
struct whole_times {
    double decode, filter, encode;
};

/* whole_load - parse and resolve text for backend, loading its modules
 * (filter_runtime_init must have run for FILTER_WASM).  Returns 0, or -1
 * with err and *why (resolve.h) filled. */
int whole_load(const char *text, enum filter_backend backend, struct whole_chain *wc,
               enum resolve_error *why, char *err);

/* whole_unload - unload the modules; no instance may be live. */
void whole_unload(struct whole_chain *wc);

/* whole_image - decode in, run the chain, write out (format by its
 * extension) with encoder settings o; adds each phase's time to *t when
 * t is not NULL.  max_pixels as img_open.  Returns 0, or -1 with err
 * and *trapped set when a filter trapped. */
int whole_image(const struct whole_chain *wc, const char *in, const char *out,
                const struct img_write_opts *o, uint64_t max_pixels, struct whole_times *t,
                int *trapped, char *err);

/* whole_save - encode w x h pixels of ch channels at px into path (format
 * by its extension, PNG if it has none) with settings o.  Returns 0 or -1. */
int whole_save(const char *path, const uint8_t *px, uint32_t w, uint32_t h, int ch,
               const struct img_write_opts *o, char *err);

/* whole_median - the median of v[0..n) (sorts v); 0 when n is 0. */
double whole_median(double *v, int n);

#endif
