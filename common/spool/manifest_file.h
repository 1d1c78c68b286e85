/*
 * manifest_file.h - the job's manifest in the spool: SPOOL/<job>/job.json,
 * written once by the splitter and read by every other program
 * (manifest.h has its content).
 */
#ifndef TS_MANIFEST_FILE_H
#define TS_MANIFEST_FILE_H

#include "manifest.h"
#include "spool.h"

/* manifest_save - write m as jobdir/job.json (tmp + rename).  Returns 0 or -1. */
int manifest_save(const struct manifest *m, const char *jobdir, char *err);

/* manifest_load - read and check jobdir/job.json.  Returns 0 or -1 with err
 * naming the file and the field. */
int manifest_load(struct manifest *m, const char *jobdir, char *err);

#endif
