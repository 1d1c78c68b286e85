/*
 * image_opts.c - the encoder options as the command lines spell them.
 *
 * The splitter (which records them in the job) and the assembler (which
 * may override them) take the same long options; this is the one place
 * that knows their names, ranges and words, so the two programs cannot
 * drift apart.  Ranges are those img_create() checks (image.h).
 */
#include "image.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

/* number - v in [lo, hi] from text, or -1 with err filled. */
static int number(const char *option, const char *text, long lo, long hi, long *v, char *err)
{
    char *end;

    if (text == NULL)
        return errf(err, "--%s: needs a value", option);
    *v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || *v < lo || *v > hi)
        return errf(err, "--%s: %ld..%ld, not '%s'", option, lo, hi, text);
    return 0;
}

/* compression - the enum img_tiff_compression a word names, or -1. */
static int compression(const char *word)
{
    static const char *const names[] = { "none", "deflate", "lzw", "jpeg", "zstd" };
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(word, names[i]) == 0)
            return i;
    return -1;
}

/* img_write_opt - returns 1 when option was set, 0 when it is not a
 * write option, -1 with err filled when its value is bad. */
int img_write_opt(struct img_write_opts *o, const char *option, const char *value, char *err)
{
    long v;

    if (strcmp(option, "png-level") == 0) {
        if (number(option, value, 0, 9, &v, err) < 0)
            return -1;
        o->png_level = (int)v;
    } else if (strcmp(option, "jpeg-quality") == 0) {
        if (number(option, value, 1, 100, &v, err) < 0)
            return -1;
        o->jpeg_quality = (int)v;
    } else if (strcmp(option, "jpeg-subsample") == 0) {
        if (value == NULL || (strcmp(value, "444") && strcmp(value, "422") && strcmp(value, "420")))
            return errf(err, "--jpeg-subsample: 444, 422 or 420, not '%s'",
                        value ? value : "");
        o->jpeg_subsample = atoi(value);
    } else if (strcmp(option, "jpeg-progressive") == 0) {
        o->jpeg_progressive = 1;
    } else if (strcmp(option, "jpeg-optimize") == 0) {
        o->jpeg_optimize = 1;
    } else if (strcmp(option, "webp-quality") == 0) {
        if (number(option, value, 0, 100, &v, err) < 0)
            return -1;
        o->webp_quality = (int)v;
    } else if (strcmp(option, "webp-lossless") == 0) {
        o->webp_lossless = 1;
    } else if (strcmp(option, "tiff-compression") == 0) {
        int c = value ? compression(value) : -1;
        if (c < 0)
            return errf(err, "--tiff-compression: none, deflate, lzw, jpeg or zstd, not '%s'",
                        value ? value : "");
        o->tiff_compression = c;
    } else if (strcmp(option, "tiff-tile") == 0) {
        if (number(option, value, 0, 32768, &v, err) < 0)
            return -1;
        if (v % 16 != 0)
            return errf(err, "--tiff-tile: a multiple of 16 (TIFF's rule), or 0 for strips, "
                        "not '%s'", value);
        o->tiff_tile = (int)v;
    } else if (strcmp(option, "bigtiff") == 0) {
        o->bigtiff = 1;
    } else {
        return 0;
    }
    return 1;
}
