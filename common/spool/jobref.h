/*
 * jobref.h - how a person names a spool and a job on the command line.
 *
 * The spool is -s/--spool, else $TILESPOOL_SPOOL when set and not empty,
 * else ./spool: one rule for every program.  A job is named by its id or
 * by any unique prefix of its id or of its input file's name
 * ("20261121T08", "photo"); status, inspect, the assembler and the
 * driver's clean all resolve it here.
 */
#ifndef TS_JOBREF_H
#define TS_JOBREF_H

#include "err.h"
#include "spool.h"

/* jobref_default_spool - $TILESPOOL_SPOOL, or "spool" when it is unset or
 * empty. */
const char *jobref_default_spool(void);

/* jobref_name_ok - 1 if name can name a job: not empty, no '/', not
 * starting with '.' (a path, not a name: a usage error). */
int jobref_name_ok(const char *name);

/* jobref_resolve - the job of spool that `name` names, its id copied into
 * id (SPOOL_JOB_ID_MAX): an exact id, else the one job whose id or input
 * file name starts with name.  Returns 0 found, 1 none (err says so), 2
 * ambiguous (err lists the candidates), -1 with err on a spool error.
 * A spool that does not exist holds no job: 1. */
int jobref_resolve(const char *spool, const char *name, char *id, char *err);

#endif
