/*
 * inspect.h - the parts of the inspect program: views of a job composed
 * from its tile files (canvas.c), the HTML report (html.c), the overview
 * PNG (overview.c) and the program (main.c).
 */
#ifndef TS_INSPECT_H
#define TS_INSPECT_H

#include "joblog.h"
#include "jobscan.h"

#define VIEW_MAX_EDGE 1024   /* views are downscaled to fit this */

/* A downscaled picture of the image: pixel (x, y) shows image pixel
 * (x * scale, y * scale).  Parts no tile file could be found for keep a
 * grey checkerboard. */
struct canvas {
    uint32_t w, h, scale;
    int channels;
    uint8_t *px;
    uint32_t tiles;          /* tiles drawn */
    uint32_t unreadable;     /* tile files that exist but could not be read */
    char first_error[ERR_MAX];
};

struct report {
    const char *jobdir;
    const char *link_prefix;          /* from the report's directory to jobdir, "" or ".../" */
    struct job_scan js;
    struct job_log log;
    int *last;                        /* per tile: index of its last log entry, or -1 */
    char (*input)[PATH_MAX];          /* per tile: its input file relative to jobdir, or "" */
    struct canvas src, out;
    int assembled;                    /* the output file exists */
};

/* canvas_sources - find each tile's input file (tiles/, claimed/, done/,
 * failed/) into r->input, and compose r->src from them and r->out from
 * out/.  Returns 0 or -1 with err (out of memory). */
int canvas_compose(struct report *r, char *err);

/* canvas_free - release c's pixels. */
void canvas_free(struct canvas *c);

/* canvas_png_base64 - c encoded as PNG, then base64, as one malloc'd
 * string (the caller frees); NULL with err on error. */
char *canvas_png_base64(const struct canvas *c, char *err);

/* html_write - the report as one self-contained HTML file at path
 * (temporary + rename).  Returns 0 or -1 with err. */
int html_write(const struct report *r, const char *path, char *err);

/* overview_write - the overview PNG (source, grid, state colours, legend)
 * at path (temporary + rename).  Returns 0 or -1 with err. */
int overview_write(const struct report *r, const char *path, char *err);

/* State colours, shared by the HTML and the overview. */
extern const uint8_t state_rgb[TILE_NSTATES][3];

#endif
