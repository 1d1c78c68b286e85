/*
 * resolve.h - turn a parsed chain into resolved stages: find each module,
 * check it, ask it to describe itself, validate the user's parameters and
 * get its halo.  That runs filter code, so the splitter does it in a
 * forked child (resolve_chain_isolated): a hostile module can trap, loop
 * or crash there without taking the splitter with it.
 */
#ifndef TS_RESOLVE_H
#define TS_RESOLVE_H

#include "filter.h"
#include "plan.h"

#include <stdio.h>

/* Linear memory a module may use while it describes itself or answers
 * the plan at split time: that takes a few KiB, and a module that grows
 * without bound here must not take the machine with it (there is no
 * --max-memory at split time). */
#define RESOLVE_MAX_MEMORY (256ull << 20)

/* Which kind of error a resolution failed with, for the exit status. */
enum resolve_error { RESOLVE_OK = 0, RESOLVE_USAGE, RESOLVE_MODULE };

/* resolve_chain - in this process (which must be one that may run filter
 * code).  Fills out[c->nstages].  Returns 0, or -1 with err and *why. */
int resolve_chain(const struct chain *c, struct stage_spec *out, enum resolve_error *why,
                  char *err);

/* resolve_chain_loaded - the same for either backend, also handing back
 * the loaded modules in mods[c->nstages] (NULL: unload them); the native
 * module of NAME is build/native/NAME.so beside the filter directory.
 * With FILTER_NATIVE the stage hashes are those of the native objects. */
int resolve_chain_loaded(const struct chain *c, enum filter_backend backend,
                         struct stage_spec *out, struct filter_module **mods,
                         enum resolve_error *why, char *err);

/* resolve_chain_isolated - the same in a child process, killed after
 * timeout_sec seconds.  Returns 0, or -1 with err and *why. */
int resolve_chain_isolated(const struct chain *c, struct stage_spec *out, int timeout_sec,
                           enum resolve_error *why, char *err);

/* resolve_plan_isolated - in a child process killed after timeout_sec
 * seconds: resolve chain c (as resolve_chain) into out[c->nstages], plan
 * its images from *src (p->img[0]), each stage's output at most
 * max_pixels pixels, cut the output into tiles of tile_size, and plan
 * every tile (in row-major order) twice, in other instances, the answers
 * compared.  *first gets want[0] of every tile, p->rows * p->cols of
 * them (malloc'd: the caller frees it).  A global stage must keep its
 * image, and so must every stage after it.  Returns 0, or -1 with err
 * and *why: RESOLVE_USAGE when the chain does not fit the image (depth,
 * channels, sizes, parameters), RESOLVE_MODULE when a module failed or
 * answered what cannot be. */
int resolve_plan_isolated(const struct chain *c, const struct plan_image *src,
                          uint32_t tile_size, uint64_t max_pixels, struct stage_spec *out,
                          struct plan *p, struct plan_rect **first, int timeout_sec,
                          enum resolve_error *why, char *err);

/* resolve_plan_loaded - the same in this process (which must be one that
 * may run filter code), for either backend as resolve_chain_loaded, also
 * handing back the modules in mods[] (NULL: unload them).  first may be
 * NULL; tile_size 0 makes the whole output one tile. */
int resolve_plan_loaded(const struct chain *c, enum filter_backend backend,
                        const struct plan_image *src, uint32_t tile_size, uint64_t max_pixels,
                        struct stage_spec *out, struct filter_module **mods, struct plan *p,
                        struct plan_rect **first, enum resolve_error *why, char *err);

/* resolve_plan_stages - the planning of resolve_plan_loaded alone, for n
 * stages already resolved with their modules loaded. */
int resolve_plan_stages(struct filter_module *const *mods, const struct stage_spec *st, int n,
                        const struct plan_image *src, uint32_t tile_size, uint64_t max_pixels,
                        struct plan *p, struct plan_rect **first, enum resolve_error *why,
                        char *err);

/* resolve_confine - confine a process that describes filters: it reads
 * the filter modules (bundled, cached and chain c's own, if any; c may
 * be NULL) and nothing else.  Returns 0 or -1. */
int resolve_confine(const struct chain *c, char *err);

/* resolve_compile_users - compile (once) the users' modules of chain c,
 * before a child's clock starts: a compile may take longer than
 * describing ever should.  Returns 0 or -1. */
int resolve_compile_users(const struct chain *c, char *err);

/* resolve_describe_all - print every filter found on the search path, and
 * every compiled user's module, with its summary, kind, channels and
 * parameters to f.  Each module is described in a child process killed
 * after resolve_describe_timeout() seconds; one that fails is listed as
 * unusable with the reason.  Returns 0, or -1 when there is none. */
int resolve_describe_all(FILE *f, int json, char *err);

/* resolve_describe_timeout - the seconds a module may take to start and
 * describe itself: $TILESPOOL_DESCRIBE_TIMEOUT (1..3600), else 30. */
int resolve_describe_timeout(void);

#endif
