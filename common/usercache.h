/*
 * usercache.h - the cache of users' own filter modules, compiled once.
 *
 * A chain stage written as a path (`-f ./vignette.wasm:strength=0.5`) names
 * a module of the user's.  Before anything runs it, the module is checked
 * (wasm_check.h: no imports, the ABI exports) and translated with
 * `wasm2c -n tsf` and compiled with `cc`, together with the same glue as
 * the bundled filters, into a shared object kept in the cache directory:
 *
 *     $XDG_CACHE_HOME/tilespool/      (or ~/.cache/tilespool/)
 *         HASH.so      the compiled module; present only when complete
 *         HASH.wasm    the module the .so was made from
 *         HASH.json    where it came from: path, hash, glue version, tools
 *         HASH.log     the tools' output of the last failed compile
 *
 * HASH is the module's content hash (hash.h), the same that the manifest
 * records for every stage, so a job needs only the module's path and hash
 * to find its compiled form.  Compiles run the real programs through
 * posix_spawn with an argument vector; TILESPOOL_WASM2C and TILESPOOL_CC
 * name other programs than `wasm2c` and `cc`.  Processes that compile the
 * same module at once are safe: the compile happens in a private temporary
 * directory under an exclusive lock on the cache directory, and the .so
 * appears by rename(2) last.
 */
#ifndef TS_USERCACHE_H
#define TS_USERCACHE_H

#include "filter.h"

#include <limits.h>
#include <stdint.h>

/* usercache_dir - the cache directory into dir[PATH_MAX] (not created).
 * Returns 0, or -1 when neither XDG_CACHE_HOME (absolute) nor HOME is set. */
int usercache_dir(char *dir, char *err);

/* usercache_file - dir/HASH.ext into out[PATH_MAX]; returns 0 or -1. */
int usercache_file(char *out, const char *dir, uint64_t hash, const char *ext, char *err);

/* usercache_build - make sure the module at `module` is compiled: read it,
 * check it and hash it; when `expect` is not 0 the hash must equal it (the
 * module must not have changed since a job recorded it).  Compiles into
 * the cache unless HASH.so is already there.  Fills *hash and so[PATH_MAX].
 * Returns 0, or -1 with err naming the module and the cause (for a failed
 * compile: the tool, its status and the log file with its output). */
int usercache_build(const char *module, uint64_t expect, uint64_t *hash, char *so, char *err);

/* usercache_find_stage - the .so and .wasm of a resolved stage: a bundled
 * filter by name (filter_find), or a user's module by its recorded path,
 * whose compiled form is looked up by s->hash and never compiled here
 * (worker children cannot write).  Returns 0 or -1 with err. */
int usercache_find_stage(const struct stage_spec *s, char *so_path, char *wasm_path, char *err);

/* usercache_prune - remove the compiled modules of the cache whose source
 * file (the path in HASH.json) no longer exists: stale ones, which nothing
 * can run.  *removed gets how many.  Returns 0 or -1 with err. */
int usercache_prune(int *removed, char *err);

#endif
