/*
 * manifest.h - job.json: everything a worker and the assembler need to
 * know about a job, written once by the splitter (docs/spool.md lists
 * every field).  Unknown fields are ignored on reading; a missing or
 * wrong-typed field is an error naming the field.
 */
#ifndef TS_MANIFEST_H
#define TS_MANIFEST_H

#include "chain.h"
#include "image.h"
#include "plan.h"
#include "stage.h"

#include <limits.h>
#include <stdint.h>

#define MANIFEST_VERSION 4
#define MANIFEST_JOB_ID_MAX 96     /* with its NUL */
#define MANIFEST_STDIN "(stdin)"   /* source_path of an input read from standard input */

enum tile_format { TILE_PNM = 0, TILE_PNG = 1 };

/* The input's metadata as the spool keeps it (jobmeta.h): which files of
 * SPOOL/<job>/meta/ exist and their content hashes, and the resolution
 * (pixels per inch; 0 = not said). */
struct manifest_meta {
    int has_icc, has_exif, has_xmp;
    struct hash icc, exif, xmp;
    double xres, yres;
};

struct manifest {
    int version;
    char job[MANIFEST_JOB_ID_MAX];
    struct hash key;                /* identity of (input, chain, tiling) */
    char created[32];               /* UTC, ISO 8601 */

    char source_path[PATH_MAX];
    enum img_format source_format;
    uint32_t source_page;           /* the page (TIFF) or frame decoded, 0 the first */
    struct img_info source;         /* width, height, channels, depth, colour */
    struct hash source_hash;        /* of the file's content */
    uint64_t source_size;
    struct manifest_meta source_meta;   /* source.meta: optional */

    uint32_t tile_size;             /* core edge, in the output image */
    int halo;                       /* sum of the chain's halos (not stored: derived) */
    enum tile_format tile_format;
    char tile_ext[8];               /* ".ppm", ".pgm", ".pam" or ".png" */
    uint32_t cols, rows;            /* the grid of the output image */
    int digits;                     /* zero-padding of row/col in tile names */
    struct plan plan;               /* the images from source to output (plan.h) */

    char chain_text[1024];
    int nstages;
    struct stage_spec stages[CHAIN_MAX_STAGES];

    char output_path[PATH_MAX];     /* may be empty: given to the assembler */
    struct img_write_opts output_opts;  /* .meta is always NULL here */
    int strip;                      /* --strip: write no metadata into the output */
    int keep_done;                  /* keep processed input tiles in done/ */
};

/* manifest_parse - read and check job.json's text (manifest_file.h reads
 * the file); `name` is used in messages.  Returns 0 or -1 with err naming
 * the field. */
int manifest_parse(struct manifest *m, const char *json, const char *name, char *err);

/* manifest_format - job.json's text for m (docs/spool.md), malloc'd for
 * the caller to free, or NULL when out of memory. */
char *manifest_format(const struct manifest *m);

/* manifest_job_id_ok - 1 if s is a well-formed job id: a safe file name
 * (letters, digits, '-', '_', '.'; not starting with '.'), shorter than
 * MANIFEST_JOB_ID_MAX. */
int manifest_job_id_ok(const char *s);

/* manifest_key - the identity used to find an existing job for the same
 * input content, chain (names, hashes, params) and tiling, into *key.
 * Returns 0 or -1 with err. */
int manifest_key(const struct manifest *m, struct hash *key, char *err);

/* manifest_utc_now - the time now as the spool writes times everywhere
 * (job.json's created, failed/T.json, status): UTC, ISO 8601, to the
 * second, e.g. "2026-11-21T09:14:36Z". */
void manifest_utc_now(char out[32]);

/* manifest_global_stage - index of the chain's global stage (there is at
 * most one), or -1. */
int manifest_global_stage(const struct manifest *m);

/* manifest_geometric - 1 if some stage of m is a geometry stage or
 * changes the image's size: one that moves pixels (a flip keeps the
 * size), so that the tiles' rectangles come from the modules (plan.h),
 * not from the halos. */
int manifest_geometric(const struct manifest *m);

/* manifest_plan_tile - tile (row, col)'s rectangles (plan.h) for a job
 * that is not geometric, from its stages' halos: what the worker gets
 * from the modules.  Returns 0, or -1 with err for a geometric job. */
int manifest_plan_tile(const struct manifest *m, uint32_t row, uint32_t col,
                       struct plan_tile *t, char *err);

/* manifest_tile_ext - the one extension of m's tile files: PNG, or the
 * netpbm one of the channel count when every image of the plan has the
 * same, else ".pam" (PAM holds any count). */
const char *manifest_tile_ext(const struct manifest *m);

/* tile_format_name - "pnm" or "png". */
const char *tile_format_name(enum tile_format f);

#endif
