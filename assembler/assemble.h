/*
 * assemble.h - the assembler's work on one job (assemble.c).
 */
#ifndef TS_ASSEMBLE_H
#define TS_ASSEMBLE_H

#include "manifest_file.h"

struct assemble_opts {
    int allow_partial;
    int quiet;
    int png_level;       /* -1: the job's */
    int jpeg_quality;    /* -1: the job's */
};

/* assemble_job - write job m (in jobdir) to output.  Returns an exit
 * status (err filled unless EXIT_OK). */
int assemble_job(const struct manifest *m, const char *jobdir, const char *output,
                 const struct assemble_opts *o, char *err);

#endif
