/*
 * netpbm.h - netpbm headers: the tile file format and an input format.
 *
 * Tiles are written as P5 (1 channel), P6 (3 channels) or P7 PAM
 * (2 channels: GRAYSCALE_ALPHA, 4 channels: RGB_ALPHA), maxval 255, so
 * any image viewer opens them; 16-bit tiles have maxval 65535 and their
 * samples big-endian, as netpbm defines (pnm_swap16 converts a row).
 * The reader accepts what netpbm itself writes: P5/P6 with comments,
 * maxval 1..65535, and P7 with TUPLTYPE GRAYSCALE, RGB, GRAYSCALE_ALPHA,
 * RGB_ALPHA (and BLACKANDWHITE).
 */
#ifndef TS_NETPBM_H
#define TS_NETPBM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pnm_header {
    int kind;           /* 5, 6 or 7 */
    uint32_t width, height;
    int channels;       /* 1..4 */
    unsigned maxval;    /* 1..65535; samples are 2 bytes big-endian if > 255 */
};

/* pnm_read_header - parse the header at f's position and leave f at the
 * first sample byte.  Rejects width or height 0, more than 2^31-1 samples
 * per row, unknown tuple types and maxval out of range.  `name` is used
 * in messages.  Returns 0 or -1 with err filled. */
int pnm_read_header(FILE *f, const char *name, struct pnm_header *h, char *err);

/* pnm_write_header - write the P5/P6/P7 header for an 8-bit tile: P7 for
 * gray+alpha, RGBA or a NAME ending in ".pam". Returns 0 or -1. */
int pnm_write_header(FILE *f, const char *name, uint32_t width, uint32_t height,
                     int channels, char *err);

/* pnm_write_header_depth - the same for `depth` 8 (maxval 255) or 16
 * (maxval 65535, samples to follow as 2 bytes big-endian).  Returns 0 or -1. */
int pnm_write_header_depth(FILE *f, const char *name, uint32_t width, uint32_t height,
                           int channels, int depth, char *err);

/* pnm_swap16 - converts nsamples 16-bit samples at buf in place between
 * the host's byte order and netpbm's big-endian; the same call converts
 * either way (it swaps bytes on a little-endian host, and does nothing on
 * a big-endian one).  buf needs no alignment. */
void pnm_swap16(void *buf, size_t nsamples);

/* pnm_extension - ".pgm", ".ppm" or ".pam" for 1, 3 or 2/4 channels. */
const char *pnm_extension(int channels);

#endif
