/*
 * split.h - the splitter's two halves: finding or creating the job for an
 * input (job.c) and cutting the image into tiles (cut.c).
 */
#ifndef TS_SPLIT_H
#define TS_SPLIT_H

#include "manifest_file.h"

struct split_opts {
    const char *spool;
    uint32_t tile_size;
    enum tile_format tile_format;
    uint64_t max_pixels;
    int force_new;
    int keep_done;
    int quiet;
    int depth8;             /* --depth 8: 16-bit inputs decoded to 8 bits */
    int autorotate;         /* apply the EXIF orientation (default) */
    uint32_t page;          /* --page N: the page of a multi-page input, 0 the first */
    struct img_write_opts out_opts;
    const char *stdin_copy; /* input "-": the spool's copy of standard input (stdin.c) */
};

/* job_find - look in the spool for a complete job with m->key.  Removes
 * incomplete jobs (no job.json) made for the same key whose splitter is
 * dead (their lock is free).  Returns 1 and fills id when found, 2 and
 * fills id when a live splitter is still splitting that job, 0 when there
 * is none, -1 with err on error.  The caller holds the spool's lock. */
int job_find(const char *spool, const struct manifest *m, char *id, char *err);

/* job_new_id - a fresh job id "<UTC time>-<stem>-<key>" that does not
 * exist in the spool yet. */
int job_new_id(const char *spool, const struct manifest *m, char *id, char *err);

/* cut_tiles - decode the input band by band and write every tile of m
 * into SPOOL/<m->job>/tiles; first[row * cols + col] is tile (row,
 * col)'s rectangle of the source (plan.h).  Returns 0, ERR_BAD_INPUT when
 * the input cannot be decoded, or ERR_SYSTEM (err.h). */
int cut_tiles(img_reader *r, const struct manifest *m, const struct plan_rect *first,
              const char *jobdir, int quiet, char *err);

/* prepare_input - read input's header into *info and plan the chain it
 * runs (the user's, after the stages of its EXIF orientation) into m's
 * stages and plan; *first (the caller frees it) gets each tile's source
 * rectangle.  With shrink-on-load, *info is the reduced decode's
 * (info->shrink says by how much): the caller opens the input so.
 * Returns an exit status, with err filled unless EXIT_OK. */
int prepare_input(const struct split_opts *o, const struct chain *user, const char *input,
                  struct img_info *info, struct manifest *m, struct plan_rect **first,
                  char *err);

/* stdin_copy - copy standard input into a new temporary of the spool
 * (stdin.c), sf->tmp its path; the caller removes it with
 * spool_file_abort.  Returns 0, ERR_BAD_INPUT (unreadable, or over
 * TILESPOOL_STDIN_MAX bytes) or ERR_SYSTEM (a full disk), with err and
 * nothing left behind. */
int stdin_copy(const char *spool, struct spool_file *sf, char *err);

/* stdin_path - the file to read for input: the copy for "-", else input. */
const char *stdin_path(const struct split_opts *o, const char *input);

/* stdin_name - input as messages and job.json name it: MANIFEST_STDIN
 * for "-". */
const char *stdin_name(const char *input);

#endif
