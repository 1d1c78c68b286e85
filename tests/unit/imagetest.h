/*
 * imagetest.h - helpers shared by the image codec unit tests
 * (test_image.c, test_image_png.c, test_image_jpeg.c): the private
 * temporary directory and paths in it, a deterministic random source,
 * pixel generators, whole-file I/O, reading and writing whole images
 * through image.h, and comparisons.  Each test is one translation unit
 * that includes this header once.  The functions are `static inline` so
 * that a test not using one of them (not every test needs smooth() or
 * max_diff()) compiles without an unused-function warning.
 */
#ifndef TS_IMAGETEST_H
#define TS_IMAGETEST_H

#include "image.h"
#include "err.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[512];

/* tpath - returns the path of name in the test directory (static buffer, 4 deep). */
static inline const char *tpath(const char *name)
{
    static char buf[4][800];
    static int next;

    next = (next + 1) % 4;
    snprintf(buf[next], sizeof buf[next], "%s/%s", dir, name);
    return buf[next];
}

/* cleanup - removes the test directory and every file in it; returns nothing. */
static inline void cleanup(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d != NULL && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(tpath(e->d_name));
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static uint32_t rng = 2463534242u;

/* rnd - returns the next xorshift32 number. */
static inline uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* noise - returns n random bytes (caller frees). */
static inline uint8_t *noise(size_t n)
{
    uint8_t *p = malloc(n);

    for (size_t i = 0; p != NULL && i < n; i++)
        p[i] = (uint8_t)rnd();
    return p;
}

/* smooth - returns a w*h*ch gradient image that JPEG keeps well (caller frees). */
static inline uint8_t *smooth(uint32_t w, uint32_t h, int ch)
{
    uint8_t *p = malloc((size_t)w * h * ch);

    for (uint32_t y = 0; p != NULL && y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < ch; c++)
                p[((size_t)y * w + x) * ch + c] =
                    (uint8_t)(30 + (x * 150) / w + (c * 30) % 60 + (y * 40) / h);
    return p;
}

/* put_file - writes len bytes to path; returns 0 or -1. */
static inline int put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int rc = 0;

    if (f == NULL)
        return -1;
    if (fwrite(data, 1, len, f) != len)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* get_file - returns the contents of path (caller frees), length in *len. */
static inline uint8_t *get_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (p = malloc((size_t)n + 1)) != NULL
        && fread(p, 1, (size_t)n, f) == (size_t)n)
        *len = (size_t)n;
    else {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

/* truncate_copy - copies the first n bytes of src to dst, plus tail if
 * not NULL; returns 0 or -1. */
static inline int truncate_copy(const char *src, const char *dst, size_t n,
                                const void *tail, size_t tail_len)
{
    size_t len;
    uint8_t *p = get_file(src, &len);
    int rc = -1;

    if (p != NULL && n <= len) {
        uint8_t *q = malloc(n + tail_len + 1);
        if (q != NULL) {
            memcpy(q, p, n);
            if (tail != NULL)
                memcpy(q + n, tail, tail_len);
            rc = put_file(dst, q, n + tail_len);
            free(q);
        }
    }
    free(p);
    return rc;
}

/* read_image - reads path whole, `band` rows per call; returns 0 or -1
 * with *pix (caller frees) and *info filled. */
static inline int read_image(const char *path, uint64_t max_pixels, uint32_t band,
                             struct img_info *info, uint8_t **pix, char *err)
{
    img_reader *r = img_open(path, max_pixels, info, err);
    size_t stride;

    *pix = NULL;
    if (r == NULL)
        return -1;
    stride = (size_t)info->width * info->channels;
    *pix = malloc(stride * info->height);
    for (uint32_t y = 0; y < info->height; y += band) {
        uint32_t n = info->height - y < band ? info->height - y : band;

        if (img_read_rows(r, *pix + y * stride, n, err) < 0) {
            img_close(r);
            free(*pix);
            *pix = NULL;
            return -1;
        }
    }
    img_close(r);
    return 0;
}

/* write_image - writes pix with our writer, 5 rows per call; returns 0 or -1. */
static inline int write_image(const char *path, enum img_format fmt, uint32_t w, uint32_t h,
                              int ch, const struct img_write_opts *o, const uint8_t *pix,
                              char *err)
{
    FILE *f = fopen(path, "wb");
    img_writer *wr;
    size_t stride = (size_t)w * ch;
    int rc = 0;

    if (f == NULL)
        return errf_sys(err, "%s", path);
    if ((wr = img_create(f, path, fmt, w, h, ch, o, err)) == NULL) {
        fclose(f);
        return -1;
    }
    for (uint32_t y = 0; y < h && rc == 0; y += 5)
        rc = img_write_rows(wr, pix + y * stride, h - y < 5 ? h - y : 5, err);
    if (rc == 0)
        rc = img_finish(wr, err);
    else
        img_abandon(wr);
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "%s: close", path);
    return rc;
}

/* max_diff - returns the largest absolute difference of two byte arrays. */
static inline int max_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    int m = 0;

    for (size_t i = 0; i < n; i++) {
        int d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
        if (d > m)
            m = d;
    }
    return m;
}

/* has - returns 1 if err mentions s. */
static inline int has(const char *err, const char *s)
{
    return strstr(err, s) != NULL;
}

/* expect_read_error - returns 1 if reading path fails with err mentioning s. */
static inline int expect_read_error(const char *path, const char *s, char *err)
{
    struct img_info info;
    uint8_t *pix = NULL;
    int rc;

    err[0] = '\0';
    rc = read_image(path, 0, 7, &info, &pix, err);
    free(pix);
    return rc == -1 && has(err, s);
}

/* make_dir - creates the private test directory "<TMPDIR>/<prefix>.XXXXXX";
 * returns 0, or 1 after printing a failed setup check. */
static inline int make_dir(const char *prefix)
{
    const char *t = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/%s.XXXXXX", t && *t ? t : "/tmp", prefix);
    if (mkdtemp(dir) == NULL) {
        printf("not ok - setup: cannot create a temporary directory\n");
        return 1;
    }
    return 0;
}

#endif
