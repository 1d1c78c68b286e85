/*
 * usercache.h - the cache of users' own filter modules, compiled once.
 *
 * A chain stage written as a path (`-f ./vignette.wasm:strength=0.5`) names
 * a module of the user's.  Before anything runs it, the module is checked
 * (wasm_check.h: no imports, the ABI exports) and translated with
 * `wasm2c -n tsf` and compiled with `cc`, together with the same glue as
 * the bundled filters, into a shared object kept in the cache directory:
 *
 *     $XDG_CACHE_HOME/tilespool/glue-N/      (or ~/.cache/tilespool/glue-N/)
 *         KEY.so       the compiled module; present only when complete
 *         KEY.wasm     the module the .so was made from
 *         KEY.json     where it came from: path, hash, key, glue version, tools
 *         KEY.log      the tools' output of the last failed compile
 *
 * KEY is a hash (hash.h) of the module's content hash, the same that the
 * manifest records for every stage, together with the glue version and
 * the compile recipe (the flags in GLUE/filter.cflags), so a job
 * needs only the module's path and hash to find its compiled form, and an
 * object made by another recipe is never loaded.  Compiles run the real
 * programs with an argument vector within time and memory limits
 * (toolrun.h); TILESPOOL_WASM_VALIDATE, TILESPOOL_WASM2C and TILESPOOL_CC
 * name other programs than `wasm-validate`, `wasm2c` and `cc`.  A new
 * object is loaded, started and described once in a process of its own
 * before it is published.  Processes that compile the same module at once are safe:
 * the compile happens in a private temporary directory under an exclusive
 * lock on the cache directory, and the .so appears by rename(2) last.
 *
 * The cache and the directories above it that tilespool makes must be the
 * user's alone; every object is checked on an open descriptor (a regular
 * file of the user's that nobody else can write) before it is loaded.
 */
#ifndef TS_USERCACHE_H
#define TS_USERCACHE_H

#include "filter.h"

#include <limits.h>
#include <stdint.h>

/* usercache_glue_dir - the directory of filter_glue.c and filter.cflags,
 * installed (lib/tilespool/glue) or in a build tree (common/glue), found
 * from the running program's place, into dir[PATH_MAX].  Returns 0 or -1.
 * The compile recipe, and so every cache key, is read from there. */
int usercache_glue_dir(char *dir, char *err);

/* usercache_dir - the cache directory into dir[PATH_MAX] (not created).
 * Returns 0, or -1 when neither XDG_CACHE_HOME (absolute) nor HOME is set. */
int usercache_dir(char *dir, char *err);

/* usercache_make_dir - create dir (usercache_dir's; new parts mode 0700)
 * and check it and the parts above it down from XDG_CACHE_HOME or
 * ~/.cache: each the user's and writable by nobody else (one of the
 * user's that others can write is made safe); the base the user's or
 * root's, and writable by others only if sticky.  Returns 0, or -1 with
 * err naming the directory and what is wrong with it. */
int usercache_make_dir(const char *dir, char *err);

/* usercache_file - dir/KEY.ext into out[PATH_MAX]; returns 0 or -1. */
int usercache_file(char *out, const char *dir, const struct hash *key, const char *ext,
                   char *err);

/* usercache_key - the cache key of the module whose content hash is
 * `module`, for this glue and recipe.  Returns 0 or -1 with err. */
int usercache_key(const struct hash *module, struct hash *key, char *err);

/* usercache_open - open a cache object for reading if it can be trusted:
 * not a symbolic link, a regular file, the user's, writable by nobody
 * else.  Returns 0 with *fd open (the caller closes it), or -1 with err
 * saying why not. */
int usercache_open(const char *path, int *fd, char *err);

/* usercache_load - filter_load a user's compiled module `so` (with its
 * `wasm`), refusing an object usercache_open does not trust, or one that
 * was replaced between the check and the load.  Returns the module, or
 * NULL with err. */
struct filter_module *usercache_load(const char *name, const char *so, const char *wasm,
                                     char *err);

/* usercache_build - make sure the module at `module` is compiled: read it,
 * check it and hash it; when `expect` is not NULL the hash must equal it
 * (the module must not have changed since a job recorded it).  Compiles
 * into the cache unless a trustworthy KEY.so is already there.  Fills
 * *hash and so[PATH_MAX].  Returns 0, or -1 with err naming the module and
 * the cause (for a failed compile: the tool, how it ended or the limit it
 * ran into, and the log file with its output). */
int usercache_build(const char *module, const struct hash *expect, struct hash *hash, char *so,
                    char *err);

/* usercache_find_stage - the .so and .wasm of a resolved stage: a bundled
 * filter by name (filter_find), or a user's module by its recorded path,
 * whose compiled form is looked up by the key of s->hash and never
 * compiled here (worker children cannot write); load it with
 * usercache_load.  Returns 0 or -1 with err. */
int usercache_find_stage(const struct stage_spec *s, char *so_path, char *wasm_path, char *err);

/* usercache_prune - remove the compiled modules of the cache whose source
 * file (the path in KEY.json) no longer exists: stale ones, which nothing
 * can run.  *removed gets how many.  Returns 0 or -1 with err. */
int usercache_prune(int *removed, char *err);

#endif
