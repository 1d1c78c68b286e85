/*
 * assemble.h - the assembler's work on one job (assemble.c).
 */
#ifndef TS_ASSEMBLE_H
#define TS_ASSEMBLE_H

#include "manifest_file.h"

#define ASSEMBLE_WOPTS_MAX 32
#define ASSEMBLE_THREADS_DEFAULT_MAX 8     /* -w's default: the CPUs online, at most this */

struct assemble_opts {
    int allow_partial;
    int quiet;
    int strip;           /* 1: no metadata in the output, whatever the job says */
    int threads;         /* threads encoding a PNG (img_write_opts.png_threads) */
    const char *format;  /* output "-": the --format word (png, jpeg, ppm ...) */
    /* encoder options given on the command line, applied in order over
     * the job's (img_write_opt); the values were checked when parsed */
    int nwopts;
    const char *wopt_name[ASSEMBLE_WOPTS_MAX], *wopt_value[ASSEMBLE_WOPTS_MAX];
};

/* assemble_job - write job m (in jobdir) to output, or to standard
 * output in o->format when output is "-" (encoded into the job's tmp/
 * first: nothing reaches standard output unless the image is whole).
 * Returns an exit status (err filled unless EXIT_OK). */
int assemble_job(const struct manifest *m, const char *jobdir, const char *output,
                 const struct assemble_opts *o, char *err);

#endif
