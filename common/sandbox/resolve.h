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

#include <stdio.h>

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
