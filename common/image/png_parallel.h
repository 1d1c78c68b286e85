/*
 * png_parallel.h - PNG image data (IDAT) deflated in bands on threads
 * (png_parallel.c).
 *
 * The caller writes the PNG signature, IHDR and the chunks before the
 * image data; a pngp writes the IDAT chunks and IEND after them.  The
 * bytes depend on the pixels and the shape, level and filter alone,
 * never on the number of threads.
 */
#ifndef TS_PNG_PARALLEL_H
#define TS_PNG_PARALLEL_H

#include <stdint.h>
#include <stdio.h>

/* filtered bytes a band aims at: its rows are this divided by the row
 * size, at least one; a function of the image's width only */
#define PNGP_BAND_BYTES (2u << 20)

/* the largest IDAT chunk written */
#define PNGP_IDAT_MAX (1u << 20)

struct pngp_shape {
    uint32_t width, height;
    int channels;           /* 1-4: gray, gray+alpha, RGB, RGBA */
    int depth;              /* 8 or 16 (rows in host order) */
    int level;              /* zlib level 0-9 */
    int filter;             /* -1 adaptive, or 0-4: none, sub, up, average, paeth */
    int threads;            /* at least 1 */
    size_t band_bytes;      /* 0: PNGP_BAND_BYTES; smaller ones are for tests */
};

typedef struct pngp pngp;

/* pngp_band_rows - the rows of each band (the last may have fewer) for
 * rows of `stride` bytes and bands of about band_bytes (0: the
 * default); at least 1. */
uint32_t pngp_band_rows(size_t stride, size_t band_bytes);

/* pngp_create - start the image data of a s->width x s->height image in
 * f, after the chunks the caller wrote; starts s->threads threads.
 * Returns NULL with err filled on failure. */
pngp *pngp_create(FILE *f, const char *name, const struct pngp_shape *s, char *err);

/* pngp_write - take the next nrows rows from buf (width * channels *
 * depth / 8 bytes a row); writes the bands finished so far.  Returns 0
 * or -1 with err. */
int pngp_write(pngp *p, const uint8_t *buf, uint32_t nrows, char *err);

/* pngp_finish - once every row is given: write the rest of the image
 * data and IEND, and free p (also on error).  Returns 0 or -1. */
int pngp_finish(pngp *p, char *err);

/* pngp_abandon - stop the threads and free p without finishing the
 * file; NULL is fine. */
void pngp_abandon(pngp *p);

#endif
