/*
 * test_image.c - unit tests for the streaming image codecs (image.h).
 *
 * PNG and JPEG inputs of every kind the readers must handle are written
 * here directly with libpng and libjpeg, not with our writers, so that
 * the readers are checked independently; the expected 8-bit pixels are
 * computed from the samples put into the file.  Our writers are checked
 * by round trips and by reading their PNG output back with plain libpng.
 * Broken files (truncated, corrupt, empty, unknown, too large) must give
 * errors.  Everything lives in a private temporary directory, removed at
 * the end.  The test_* functions return nothing: each reports through CHECK.
 */
#include "image.h"
#include "err.h"
#include "check.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <jpeglib.h>
#include <zlib.h>

static char dir[512];

/* tpath - returns the path of name in the test directory (static buffer, 4 deep). */
static const char *tpath(const char *name)
{
    static char buf[4][800];
    static int next;

    next = (next + 1) % 4;
    snprintf(buf[next], sizeof buf[next], "%s/%s", dir, name);
    return buf[next];
}

/* cleanup - removes the test directory and every file in it; returns nothing. */
static void cleanup(void)
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
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* noise - returns n random bytes (caller frees). */
static uint8_t *noise(size_t n)
{
    uint8_t *p = malloc(n);

    for (size_t i = 0; p != NULL && i < n; i++)
        p[i] = (uint8_t)rnd();
    return p;
}

/* smooth - returns a w*h*ch gradient image that JPEG keeps well (caller frees). */
static uint8_t *smooth(uint32_t w, uint32_t h, int ch)
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
static int put_file(const char *path, const void *data, size_t len)
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
static uint8_t *get_file(const char *path, size_t *len)
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
static int truncate_copy(const char *src, const char *dst, size_t n,
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
static int read_image(const char *path, uint64_t max_pixels, uint32_t band,
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
static int write_image(const char *path, enum img_format fmt, uint32_t w, uint32_t h,
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
static int max_diff(const uint8_t *a, const uint8_t *b, size_t n)
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
static int has(const char *err, const char *s)
{
    return strstr(err, s) != NULL;
}

/* --- PNG files written directly with libpng ------------------------------ */

struct png_case {
    const char *label;
    int type, depth, interlace, trns;
    uint32_t w, h;
};

struct png_src {
    const struct png_case *c;
    uint16_t *s;            /* samples as stored, nsrc per pixel */
    int nsrc, npal, ntrans;
    png_color pal[256];
    png_byte trans[256];
    png_color_16 key;       /* tRNS key for gray / RGB */
};

struct png_out {
    png_structp png;
    png_infop info;
};

/* src_samples - returns the samples per pixel of a PNG colour type. */
static int src_samples(int type)
{
    switch (type) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;
    }
}

/* is_key - returns 1 if pixel i equals the tRNS key. */
static int is_key(const struct png_src *p, size_t i)
{
    const uint16_t *s = p->s + i * p->nsrc;

    if (p->c->type == PNG_COLOR_TYPE_GRAY)
        return s[0] == p->key.gray;
    return s[0] == p->key.red && s[1] == p->key.green && s[2] == p->key.blue;
}

/* make_src - fills p with random samples for case c; returns 0 or -1. */
static int make_src(struct png_src *p, const struct png_case *c)
{
    size_t n = (size_t)c->w * c->h;
    uint32_t maxv = (1u << c->depth) - 1;

    memset(p, 0, sizeof *p);
    p->c = c;
    p->nsrc = src_samples(c->type);
    if ((p->s = malloc(n * p->nsrc * sizeof *p->s)) == NULL)
        return -1;
    if (c->type == PNG_COLOR_TYPE_PALETTE) {
        p->npal = c->depth < 8 ? 1 << c->depth : 200;
        for (int i = 0; i < p->npal; i++) {
            p->pal[i].red = (png_byte)rnd();
            p->pal[i].green = (png_byte)rnd();
            p->pal[i].blue = (png_byte)rnd();
            p->trans[i] = (png_byte)rnd();
        }
        p->ntrans = c->trns ? (p->npal + 1) / 2 : 0;
        maxv = (uint32_t)p->npal - 1;
    }
    for (size_t i = 0; i < n * p->nsrc; i++)
        p->s[i] = (uint16_t)(rnd() % (maxv + 1));
    p->key.gray = p->key.red = p->s[0];
    if (p->nsrc >= 3) {
        p->key.green = p->s[1];
        p->key.blue = p->s[2];
    }
    for (size_t i = 0; c->trns && c->type != PNG_COLOR_TYPE_PALETTE && i < n; i += 7)
        memcpy(p->s + i * p->nsrc, p->s, p->nsrc * sizeof *p->s);
    return 0;
}

/* pack_row - packs row y of p as the PNG stores it into out; returns nothing. */
static void pack_row(const struct png_src *p, uint32_t y, uint8_t *out)
{
    const struct png_case *c = p->c;
    size_t n = (size_t)c->w * p->nsrc;
    const uint16_t *s = p->s + (size_t)y * n;

    if (c->depth < 8)
        memset(out, 0, (n * c->depth + 7) / 8);
    for (size_t i = 0; i < n; i++) {
        if (c->depth == 16) {
            out[2 * i] = (uint8_t)(s[i] >> 8);
            out[2 * i + 1] = (uint8_t)s[i];
        } else if (c->depth == 8) {
            out[i] = (uint8_t)s[i];
        } else {
            size_t bit = i * c->depth;
            out[bit / 8] |= (uint8_t)(s[i] << (8 - c->depth - bit % 8));
        }
    }
}

/* png_emit - writes p with libpng; returns 0 or -1. */
static int png_emit(struct png_out *o, FILE *f, const struct png_src *p)
{
    const struct png_case *c = p->c;
    uint8_t *row = malloc((size_t)c->w * 8 + 1);
    int passes;

    if (row == NULL || setjmp(png_jmpbuf(o->png))) {
        free(row);
        return -1;
    }
    png_init_io(o->png, f);
    png_set_IHDR(o->png, o->info, c->w, c->h, c->depth, c->type, c->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (c->type == PNG_COLOR_TYPE_PALETTE)
        png_set_PLTE(o->png, o->info, p->pal, p->npal);
    if (c->trns)
        png_set_tRNS(o->png, o->info, p->trans, p->ntrans, &p->key);
    png_write_info(o->png, o->info);
    passes = png_set_interlace_handling(o->png);
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < c->h; y++) {
            pack_row(p, y, row);
            png_write_row(o->png, row);
        }
    png_write_end(o->png, NULL);
    free(row);
    return 0;
}

/* png_direct - writes p to path with plain libpng; returns 0 or -1. */
static int png_direct(const char *path, const struct png_src *p)
{
    struct png_out o;
    FILE *f = fopen(path, "wb");
    int rc;

    if (f == NULL)
        return -1;
    o.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    o.info = png_create_info_struct(o.png);
    rc = png_emit(&o, f, p);
    png_destroy_write_struct(&o.png, &o.info);
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* to8 - returns the 8-bit value the reader must give for stored v. */
static uint8_t to8(uint32_t v, int depth)
{
    if (depth == 16)
        return (uint8_t)((v * 255 + 32767) / 65535);
    return (uint8_t)(v * 255 / ((1u << depth) - 1));
}

/* expect - returns the pixels the reader must give for p (caller frees);
 * their channel count in *channels. */
static uint8_t *expect(const struct png_src *p, int *channels)
{
    const struct png_case *c = p->c;
    size_t n = (size_t)c->w * c->h;
    int pal = c->type == PNG_COLOR_TYPE_PALETTE;
    int ch = (pal ? 3 : p->nsrc) + (c->trns ? 1 : 0);
    uint8_t *e = malloc(n * ch), *o = e;

    for (size_t i = 0; e != NULL && i < n; i++) {
        const uint16_t *s = p->s + i * p->nsrc;

        if (pal) {
            *o++ = p->pal[s[0]].red;
            *o++ = p->pal[s[0]].green;
            *o++ = p->pal[s[0]].blue;
            if (c->trns)
                *o++ = s[0] < p->ntrans ? p->trans[s[0]] : 255;
            continue;
        }
        for (int k = 0; k < p->nsrc; k++)
            *o++ = to8(s[k], c->depth);
        if (c->trns)
            *o++ = is_key(p, i) ? 0 : 255;
    }
    *channels = ch;
    return e;
}

/* test_png_case - writes one kind of PNG with libpng and reads it back. */
static void test_png_case(const struct png_case *c)
{
    static const char *colors[7] = { "gray", "", "rgb", "palette", "gray+alpha", "", "rgba" };
    struct png_src p;
    struct img_info info;
    char err[ERR_MAX] = "", name[128], color[32];
    uint8_t *want = NULL, *got = NULL;
    int ch = 0, rc = -1;

    if (make_src(&p, c) == 0 && png_direct(tpath("case.png"), &p) == 0
        && (want = expect(&p, &ch)) != NULL)
        rc = read_image(tpath("case.png"), 0, 3, &info, &got, err);
    snprintf(color, sizeof color, "%s%s", colors[c->type], c->trns ? "+tRNS" : "");
    snprintf(name, sizeof name, "png %s: header", c->label);
    CHECK(rc == 0 && info.width == c->w && info.height == c->h && info.channels == ch
          && info.format == IMG_PNG && info.src_depth == c->depth
          && info.interlaced == (c->interlace != PNG_INTERLACE_NONE)
          && strcmp(info.src_color, color) == 0,
          name, "rc %d %s: %ux%u ch %d depth %d color %s", rc, err, info.width,
          info.height, info.channels, info.src_depth, info.src_color);
    snprintf(name, sizeof name, "png %s: pixels", c->label);
    rc = rc == 0 && info.channels == ch ? 0 : -1;
    CHECK(rc == 0 && memcmp(got, want, (size_t)c->w * c->h * ch) == 0, name,
          "rc %d, max diff %d", rc, rc == 0 ? max_diff(got, want, (size_t)c->w * c->h * ch) : -1);
    free(p.s);
    free(want);
    free(got);
}

/* test_png_inputs - every colour type and bit depth, tRNS, Adam7. */
static void test_png_inputs(void)
{
    static const struct png_case cases[] = {
        { "gray 1", PNG_COLOR_TYPE_GRAY, 1, 0, 0, 13, 5 },
        { "gray 2", PNG_COLOR_TYPE_GRAY, 2, 0, 0, 13, 5 },
        { "gray 4", PNG_COLOR_TYPE_GRAY, 4, 0, 0, 13, 5 },
        { "gray 8", PNG_COLOR_TYPE_GRAY, 8, 0, 0, 13, 5 },
        { "gray 16", PNG_COLOR_TYPE_GRAY, 16, 0, 0, 40, 40 },
        { "gray 2 tRNS", PNG_COLOR_TYPE_GRAY, 2, 0, 1, 13, 5 },
        { "gray 8 tRNS", PNG_COLOR_TYPE_GRAY, 8, 0, 1, 13, 5 },
        { "gray 16 tRNS", PNG_COLOR_TYPE_GRAY, 16, 0, 1, 13, 5 },
        { "gray+alpha 8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0, 13, 5 },
        { "gray+alpha 16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0, 13, 5 },
        { "rgb 8", PNG_COLOR_TYPE_RGB, 8, 0, 0, 13, 5 },
        { "rgb 16", PNG_COLOR_TYPE_RGB, 16, 0, 0, 13, 5 },
        { "rgb 8 tRNS", PNG_COLOR_TYPE_RGB, 8, 0, 1, 13, 5 },
        { "rgb 16 tRNS", PNG_COLOR_TYPE_RGB, 16, 0, 1, 13, 5 },
        { "rgba 8", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 0, 13, 5 },
        { "rgba 16", PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0, 13, 5 },
        { "palette 1", PNG_COLOR_TYPE_PALETTE, 1, 0, 0, 13, 5 },
        { "palette 2", PNG_COLOR_TYPE_PALETTE, 2, 0, 0, 13, 5 },
        { "palette 4", PNG_COLOR_TYPE_PALETTE, 4, 0, 0, 13, 5 },
        { "palette 8", PNG_COLOR_TYPE_PALETTE, 8, 0, 0, 13, 5 },
        { "palette 4 tRNS", PNG_COLOR_TYPE_PALETTE, 4, 0, 1, 13, 5 },
        { "palette 8 tRNS", PNG_COLOR_TYPE_PALETTE, 8, 0, 1, 13, 5 },
        { "1x1 rgb", PNG_COLOR_TYPE_RGB, 8, 0, 0, 1, 1 },
        { "adam7 gray 1", PNG_COLOR_TYPE_GRAY, 1, 1, 0, 13, 11 },
        { "adam7 rgb 8", PNG_COLOR_TYPE_RGB, 8, 1, 0, 33, 17 },
        { "adam7 rgba 16", PNG_COLOR_TYPE_RGB_ALPHA, 16, 1, 0, 9, 9 },
        { "adam7 palette 4 tRNS", PNG_COLOR_TYPE_PALETTE, 4, 1, 1, 13, 11 },
        { "adam7 1x1 gray 8", PNG_COLOR_TYPE_GRAY, 8, 1, 0, 1, 1 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        test_png_case(&cases[i]);
}

/* png_shape - reads path's IHDR with plain libpng; returns 0 or -1. */
static int png_shape(const char *path, int *type, int *depth, int *interlace)
{
    struct png_out o;
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return -1;
    o.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    o.info = png_create_info_struct(o.png);
    if (setjmp(png_jmpbuf(o.png))) {
        png_destroy_read_struct(&o.png, &o.info, NULL);
        fclose(f);
        return -1;
    }
    png_init_io(o.png, f);
    png_read_info(o.png, o.info);
    *type = png_get_color_type(o.png, o.info);
    *depth = png_get_bit_depth(o.png, o.info);
    *interlace = png_get_interlace_type(o.png, o.info);
    png_destroy_read_struct(&o.png, &o.info, NULL);
    fclose(f);
    return 0;
}

/* test_png_roundtrip - our writer, 1-4 channels, levels and filters. */
static void test_png_roundtrip(void)
{
    static const int types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                  PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
    static const int levels[4] = { 0, 1, 6, 9 };
    char err[ERR_MAX] = "", name[96];

    for (int ch = 1; ch <= 4; ch++) {
        uint8_t *pix = noise((size_t)37 * 23 * ch);

        for (int li = 0; li < 4; li++) {
            int bad = 0, type = -1, depth = -1, il = -1;

            for (int filter = -1; filter <= 4; filter++) {
                struct img_write_opts o;
                struct img_info info;
                uint8_t *got = NULL;

                img_default_opts(&o);
                o.png_level = levels[li];
                o.png_filter = filter;
                if (write_image(tpath("rt.png"), IMG_PNG, 37, 23, ch, &o, pix, err) < 0
                    || read_image(tpath("rt.png"), 0, 4, &info, &got, err) < 0
                    || info.channels != ch || info.width != 37 || info.height != 23
                    || memcmp(got, pix, (size_t)37 * 23 * ch) != 0)
                    bad++;
                free(got);
            }
            png_shape(tpath("rt.png"), &type, &depth, &il);
            snprintf(name, sizeof name, "png round trip %d channels level %d, all filters",
                     ch, levels[li]);
            CHECK(bad == 0 && type == types[ch] && depth == 8 && il == PNG_INTERLACE_NONE,
                  name, "%d failed (%s), type %d depth %d", bad, err, type, depth);
        }
        free(pix);
    }
}

/* test_png_writer_opts - determinism, the level matters, default opts. */
static void test_png_writer_opts(void)
{
    struct img_write_opts o;
    char err[ERR_MAX] = "";
    uint8_t *pix = smooth(200, 100, 3), *a = NULL, *b = NULL;
    size_t la = 0, lb = 0, l0 = 0, l9 = 0;

    img_default_opts(&o);
    CHECK(o.png_level == 6 && o.png_filter == -1 && o.jpeg_quality == 90
          && o.jpeg_progressive == 0, "img_default_opts", "%d %d %d %d",
          o.png_level, o.png_filter, o.jpeg_quality, o.jpeg_progressive);
    write_image(tpath("d1.png"), IMG_PNG, 200, 100, 3, NULL, pix, err);
    write_image(tpath("d2.png"), IMG_PNG, 200, 100, 3, &o, pix, err);
    a = get_file(tpath("d1.png"), &la);
    b = get_file(tpath("d2.png"), &lb);
    CHECK(a && b && la == lb && la > 0 && memcmp(a, b, la) == 0,
          "png output is deterministic (NULL opts = defaults)", "%zu vs %zu bytes", la, lb);
    free(a);
    free(b);
    o.png_level = 0;
    write_image(tpath("l0.png"), IMG_PNG, 200, 100, 3, &o, pix, err);
    o.png_level = 9;
    write_image(tpath("l9.png"), IMG_PNG, 200, 100, 3, &o, pix, err);
    free(get_file(tpath("l0.png"), &l0));
    free(get_file(tpath("l9.png"), &l9));
    CHECK(l0 > 60000 && l9 > 0 && l9 < l0 / 4, "png level is applied",
          "level 0: %zu bytes, level 9: %zu", l0, l9);
    free(pix);
}

/* write_ihdr_only - writes a PNG whose IHDR says w x h RGBA, followed
 * only by an IDAT chunk header; returns 0 or -1. */
static int write_ihdr_only(const char *path, uint32_t w, uint32_t h)
{
    uint8_t b[8 + 25 + 8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                              0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    uint8_t *ihdr = b + 16;
    uLong crc;

    for (int i = 0; i < 4; i++) {
        ihdr[i] = (uint8_t)(w >> (24 - 8 * i));
        ihdr[4 + i] = (uint8_t)(h >> (24 - 8 * i));
    }
    ihdr[8] = 8;                /* depth */
    ihdr[9] = 6;                /* RGBA */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    crc = crc32(0, b + 12, 17);
    for (int i = 0; i < 4; i++)
        b[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
    memcpy(b + 33, "\0\0\x10\0IDAT", 8);
    return put_file(path, b, sizeof b);
}

/* test_png_limits - max_pixels is checked before anything image-sized. */
static void test_png_limits(void)
{
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(10 * 10), row[4 * 100000];
    img_reader *r;

    /* 100000 x 100000 RGBA would need 40 GB: refused from the header alone */
    write_ihdr_only(tpath("huge.png"), 100000, 100000);
    r = img_open(tpath("huge.png"), (uint64_t)1 << 26, &info, err);
    CHECK(r == NULL && has(err, "huge.png: image is 100000x100000 = 10000000000 pixels,"
                           " over the limit of 67108864 pixels"),
          "png 100000x100000 header refused by max_pixels", "%s", err);
    img_close(r);
    /* without a limit the header is fine and the missing data is the error */
    r = img_open(tpath("huge.png"), 0, &info, err);
    int rc = r ? img_read_rows(r, row, 1, err) : 0;
    CHECK(r != NULL && info.width == 100000 && rc == -1 && has(err, "unexpected end of file"),
          "png 100000x100000 header without limit: opens, then truncated", "%s", err);
    img_close(r);

    write_image(tpath("ten.png"), IMG_PNG, 10, 10, 1, NULL, pix, err);
    r = img_open(tpath("ten.png"), 99, &info, err);
    CHECK(r == NULL && has(err, "over the limit of 99 pixels"), "png 10x10 over 99 refused", "%s", err);
    r = img_open(tpath("ten.png"), 100, &info, err);
    CHECK(r != NULL, "png 10x10 within 100 accepted", "%s", err);
    img_close(r);
    free(pix);
}

/* expect_read_error - returns 1 if reading path fails with err mentioning s. */
static int expect_read_error(const char *path, const char *s, char *err)
{
    struct img_info info;
    uint8_t *pix = NULL;
    int rc;

    err[0] = '\0';
    rc = read_image(path, 0, 7, &info, &pix, err);
    free(pix);
    return rc == -1 && has(err, s);
}

/* test_png_broken - truncated and corrupt PNGs are errors. */
static void test_png_broken(void)
{
    static const struct png_case il = { "il", PNG_COLOR_TYPE_RGB, 8, 1, 0, 64, 64 };
    struct img_write_opts o;
    struct img_info info;
    struct png_src p;
    char err[ERR_MAX];
    uint8_t *pix = noise(64 * 64 * 3), *data;
    img_reader *r;
    size_t len = 0;

    img_default_opts(&o);
    o.png_level = 0;
    write_image(tpath("ok.png"), IMG_PNG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("ok.png"), &len));
    truncate_copy(tpath("ok.png"), tpath("half.png"), len / 2, NULL, 0);
    CHECK(expect_read_error(tpath("half.png"), "half.png: png: unexpected end of file", err),
          "png cut in half", "%s", err);
    r = img_open(tpath("half.png"), 0, &info, err);
    int first = r ? img_read_rows(r, pix, 64, err) : 0;
    int again = r ? img_read_rows(r, pix, 0, err) : 0;
    CHECK(r != NULL && first == -1 && again == -1 && has(err, "cannot read after an earlier error"),
          "png reader stays failed after an error", "%d %d %s", first, again, err);
    img_close(r);
    truncate_copy(tpath("ok.png"), tpath("noiend.png"), len - 12, NULL, 0);
    CHECK(expect_read_error(tpath("noiend.png"), "unexpected end of file", err),
          "png without IEND", "%s", err);
    truncate_copy(tpath("ok.png"), tpath("head.png"), 20, NULL, 0);
    CHECK(expect_read_error(tpath("head.png"), "unexpected end of file", err),
          "png cut in IHDR", "%s", err);
    if ((data = get_file(tpath("ok.png"), &len)) != NULL) {
        data[len / 2] ^= 0x55;
        put_file(tpath("crc.png"), data, len);
        free(data);
    }
    CHECK(expect_read_error(tpath("crc.png"), "crc.png: png: ", err),
          "png with a damaged IDAT byte", "%s", err);

    if (make_src(&p, &il) == 0 && png_direct(tpath("il.png"), &p) == 0) {
        free(get_file(tpath("il.png"), &len));
        truncate_copy(tpath("il.png"), tpath("ilhalf.png"), len / 2, NULL, 0);
    }
    free(p.s);
    CHECK(expect_read_error(tpath("ilhalf.png"), "unexpected end of file", err),
          "interlaced png cut in half", "%s", err);
    free(pix);
}

/* --- JPEG ---------------------------------------------------------------- */

struct jpeg_case {
    int components;
    J_COLOR_SPACE in, store;    /* store JCS_UNKNOWN: libjpeg's default */
    int progressive, adobe, quality;
};

/* jpeg_direct - writes w x h pix with plain libjpeg; returns 0 or -1. */
static int jpeg_direct(const char *path, uint32_t w, uint32_t h,
                       const struct jpeg_case *c, const uint8_t *pix)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        return -1;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = w;
    ci.image_height = h;
    ci.input_components = c->components;
    ci.in_color_space = c->in;
    jpeg_set_defaults(&ci);
    if (c->store != JCS_UNKNOWN)
        jpeg_set_colorspace(&ci, c->store);
    jpeg_set_quality(&ci, c->quality, TRUE);
    if (c->progressive)
        jpeg_simple_progression(&ci);
    if (c->adobe >= 0)
        ci.write_Adobe_marker = c->adobe;
    jpeg_start_compress(&ci, TRUE);
    for (uint32_t y = 0; y < h; y++) {
        JSAMPROW row = (JSAMPROW)(pix + (size_t)y * w * c->components);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    return fclose(f) == 0 ? 0 : -1;
}

/* test_jpeg_roundtrip - our writer, gray and RGB, baseline and progressive. */
static void test_jpeg_roundtrip(void)
{
    char err[ERR_MAX] = "", name[96];

    for (int ch = 1; ch <= 3; ch += 2)
        for (int prog = 0; prog <= 1; prog++) {
            struct img_write_opts o;
            struct img_info info;
            uint8_t *pix = smooth(67, 45, ch), *got = NULL, *a, *b;
            size_t la = 0, lb = 0;
            int rc, d = -1;

            img_default_opts(&o);
            o.jpeg_progressive = prog;
            rc = write_image(tpath("rt.jpg"), IMG_JPEG, 67, 45, ch, &o, pix, err);
            if (rc == 0)
                rc = read_image(tpath("rt.jpg"), 0, 8, &info, &got, err);
            if (rc == 0)
                d = max_diff(got, pix, (size_t)67 * 45 * ch);
            snprintf(name, sizeof name, "jpeg round trip %d channels%s", ch,
                     prog ? " progressive" : "");
            CHECK(rc == 0 && info.channels == ch && info.width == 67 && info.height == 45
                  && info.interlaced == prog && info.format == IMG_JPEG
                  && strcmp(info.src_color, ch == 1 ? "gray" : "ycbcr") == 0
                  && d >= 0 && d <= 12, name, "rc %d %s, max diff %d", rc, err, d);
            write_image(tpath("rt2.jpg"), IMG_JPEG, 67, 45, ch, &o, pix, err);
            a = get_file(tpath("rt.jpg"), &la);
            b = get_file(tpath("rt2.jpg"), &lb);
            snprintf(name, sizeof name, "jpeg output deterministic %d channels%s", ch,
                     prog ? " progressive" : "");
            CHECK(a && b && la == lb && la > 0 && memcmp(a, b, la) == 0, name,
                  "%zu vs %zu bytes", la, lb);
            free(a);
            free(b);
            free(got);
            free(pix);
        }
}

/* test_jpeg_quality - the quality option changes the output. */
static void test_jpeg_quality(void)
{
    struct img_write_opts o;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(64 * 64 * 3);
    size_t l10 = 0, l95 = 0;

    img_default_opts(&o);
    o.jpeg_quality = 10;
    write_image(tpath("q10.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    o.jpeg_quality = 95;
    write_image(tpath("q95.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("q10.jpg"), &l10));
    free(get_file(tpath("q95.jpg"), &l95));
    CHECK(l10 > 0 && l95 > 2 * l10, "jpeg quality is applied", "q10 %zu bytes, q95 %zu", l10, l95);
    free(pix);
}

/* test_jpeg_inputs - grayscale and progressive files from plain libjpeg. */
static void test_jpeg_inputs(void)
{
    static const struct { const char *label; struct jpeg_case c; const char *color; } cases[] = {
        { "gray", { 1, JCS_GRAYSCALE, JCS_UNKNOWN, 0, -1, 95 }, "gray" },
        { "progressive rgb", { 3, JCS_RGB, JCS_UNKNOWN, 1, -1, 95 }, "ycbcr" },
        { "progressive gray", { 1, JCS_GRAYSCALE, JCS_UNKNOWN, 1, -1, 95 }, "gray" },
        { "rgb stored as rgb", { 3, JCS_RGB, JCS_RGB, 0, -1, 95 }, "rgb" },
    };
    char err[ERR_MAX] = "", name[96];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct jpeg_case *c = &cases[i].c;
        struct img_info info;
        uint8_t *pix = smooth(50, 30, c->components), *got = NULL;
        int rc = -1, d = -1;

        if (jpeg_direct(tpath("in.jpg"), 50, 30, c, pix) == 0)
            rc = read_image(tpath("in.jpg"), 0, 7, &info, &got, err);
        if (rc == 0 && info.channels == c->components)
            d = max_diff(got, pix, (size_t)50 * 30 * c->components);
        snprintf(name, sizeof name, "jpeg input %s", cases[i].label);
        CHECK(rc == 0 && info.channels == c->components && info.interlaced == c->progressive
              && info.src_depth == 8 && strcmp(info.src_color, cases[i].color) == 0
              && d >= 0 && d <= 8, name, "rc %d %s, ch %d color %s, max diff %d",
              rc, err, info.channels, info.src_color, d);
        free(pix);
        free(got);
    }
}

/* test_jpeg_cmyk - CMYK and YCCK are converted to RGB. */
static void test_jpeg_cmyk(void)
{
    static const struct { const char *label; struct jpeg_case c; int inverted; const char *color; } cases[] = {
        { "cmyk adobe (inverted)", { 4, JCS_CMYK, JCS_CMYK, 0, 1, 100 }, 1, "cmyk" },
        { "cmyk no adobe marker", { 4, JCS_CMYK, JCS_CMYK, 0, 0, 100 }, 0, "cmyk" },
        { "ycck adobe", { 4, JCS_CMYK, JCS_YCCK, 0, 1, 100 }, 1, "ycck" },
    };
    const uint32_t w = 48, h = 32;
    char err[ERR_MAX] = "", name[96];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *rgb = smooth(w, h, 3), *cmyk = malloc((size_t)w * h * 4);
        uint8_t *want = malloc((size_t)w * h * 3), *got = NULL;
        struct img_info info;
        int rc = -1, d = -1;

        for (size_t p = 0; p < (size_t)w * h; p++) {
            unsigned k = 255 - (unsigned)(p % w) * 2;     /* ink-free share, 255..161 */

            for (int c = 0; c < 3; c++) {
                cmyk[p * 4 + c] = cases[i].inverted ? rgb[p * 3 + c] : 255 - rgb[p * 3 + c];
                want[p * 3 + c] = (uint8_t)((rgb[p * 3 + c] * k + 127) / 255);
            }
            cmyk[p * 4 + 3] = (uint8_t)(cases[i].inverted ? k : 255 - k);
        }
        if (jpeg_direct(tpath("cmyk.jpg"), w, h, &cases[i].c, cmyk) == 0)
            rc = read_image(tpath("cmyk.jpg"), 0, 5, &info, &got, err);
        if (rc == 0 && info.channels == 3)
            d = max_diff(got, want, (size_t)w * h * 3);
        snprintf(name, sizeof name, "jpeg %s to rgb", cases[i].label);
        CHECK(rc == 0 && info.channels == 3 && strcmp(info.src_color, cases[i].color) == 0
              && d >= 0 && d <= 6, name, "rc %d %s, color %s, max diff %d",
              rc, err, info.src_color, d);
        free(rgb);
        free(cmyk);
        free(want);
        free(got);
    }
}

/* same_pixels - returns 1 if paths a and b decode to the same image. */
static int same_pixels(const char *a, const char *b, char *err)
{
    struct img_info ia, ib;
    uint8_t *pa = NULL, *pb = NULL;
    int same = read_image(a, 0, 9, &ia, &pa, err) == 0
               && read_image(b, 0, 9, &ib, &pb, err) == 0
               && ia.width == ib.width && ia.height == ib.height
               && ia.channels == ib.channels
               && memcmp(pa, pb, (size_t)ia.width * ia.height * ia.channels) == 0;

    free(pa);
    free(pb);
    return same;
}

/* patch_sof2 - copies the progressive JPEG src to dst claiming side x side
 * pixels; returns 0 or -1. */
static int patch_sof2(const char *src, const char *dst, uint16_t side)
{
    size_t len = 0, i;
    uint8_t *p = get_file(src, &len);
    int rc = -1;

    for (i = 0; p != NULL && i + 9 < len; i++)
        if (p[i] == 0xff && p[i + 1] == 0xc2)
            break;
    if (p != NULL && i + 9 < len) {
        p[i + 5] = p[i + 7] = (uint8_t)(side >> 8);
        p[i + 6] = p[i + 8] = (uint8_t)side;
        rc = put_file(dst, p, len);
    }
    free(p);
    return rc;
}

/* test_jpeg_broken - truncated and corrupt JPEGs are errors, never padding. */
static void test_jpeg_broken(void)
{
    struct img_write_opts o;
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(64 * 64 * 3);
    static const uint8_t eoi[2] = { 0xff, 0xd9 };
    static const uint8_t com[7] = { 0xff, 0xfe, 0, 16, 'a', 'b', 'c' };
    static const uint8_t junk[34] = { [32] = 0xff, [33] = 0xd9 };
    size_t len = 0;
    img_reader *r;

    img_default_opts(&o);
    write_image(tpath("ok.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("ok.jpg"), &len));
    truncate_copy(tpath("ok.jpg"), tpath("half.jpg"), len / 2, NULL, 0);
    CHECK(expect_read_error(tpath("half.jpg"), "half.jpg: jpeg: Premature end of JPEG file", err),
          "jpeg cut in half", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("noeoi.jpg"), len - 2, NULL, 0);
    CHECK(expect_read_error(tpath("noeoi.jpg"), "Premature end of JPEG file", err),
          "jpeg without EOI", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("early.jpg"), len / 2, eoi, 2);
    CHECK(expect_read_error(tpath("early.jpg"), "Corrupt JPEG data", err),
          "jpeg with EOI in mid-scan", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("com.jpg"), len - 2, com, sizeof com);
    CHECK(expect_read_error(tpath("com.jpg"), "Premature end of JPEG file", err),
          "jpeg cut in a marker after the scan", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("junk.jpg"), len - 2, junk, sizeof junk);
    CHECK(same_pixels(tpath("ok.jpg"), tpath("junk.jpg"), err),
          "jpeg with junk bytes before EOI is accepted", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("head.jpg"), 30, NULL, 0);
    CHECK(expect_read_error(tpath("head.jpg"), "head.jpg: jpeg: ", err),
          "jpeg cut in the header", "%s", err);

    o.jpeg_progressive = 1;
    write_image(tpath("prog.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("prog.jpg"), &len));
    truncate_copy(tpath("prog.jpg"), tpath("proghalf.jpg"), len / 2, NULL, 0);
    r = img_open(tpath("proghalf.jpg"), 0, &info, err);
    CHECK(r == NULL && has(err, "Premature end of JPEG file"),
          "progressive jpeg cut in half fails at open", "%s", err);
    img_close(r);
    /* 20000x20000 progressive: the coefficient buffer would be 1.2 GB */
    CHECK(patch_sof2(tpath("prog.jpg"), tpath("big.jpg"), 20000) == 0
          && (r = img_open(tpath("big.jpg"), 1 << 20, &info, err)) == NULL
          && has(err, "20000x20000 = 400000000 pixels, over the limit"),
          "huge progressive jpeg refused before decoding", "%s", err);
    img_close(r);

    r = img_open(tpath("ok.jpg"), 64 * 64 - 1, &info, err);
    CHECK(r == NULL && has(err, "ok.jpg: image is 64x64 = 4096 pixels, over the limit of 4095"),
          "jpeg over max_pixels refused", "%s", err);
    r = img_open(tpath("ok.jpg"), 64 * 64, &info, err);
    CHECK(r != NULL, "jpeg at max_pixels accepted", "%s", err);
    img_close(r);
    free(pix);
}

/* test_jpeg_refuse_alpha - 2 and 4 channels cannot be written as JPEG. */
static void test_jpeg_refuse_alpha(void)
{
    char err[ERR_MAX] = "";
    FILE *f = fopen(tpath("alpha.jpg"), "wb");
    img_writer *w2, *w4;
    long len;

    if (f == NULL)
        return;
    w2 = img_create(f, "a.jpg", IMG_JPEG, 8, 8, 2, NULL, err);
    int ok2 = w2 == NULL && has(err, "a.jpg: jpeg: cannot write 2 channels: JPEG has no alpha");
    w4 = img_create(f, "a.jpg", IMG_JPEG, 8, 8, 4, NULL, err);
    int ok4 = w4 == NULL && has(err, "cannot write 4 channels");
    len = ftell(f);
    img_abandon(w2);
    img_abandon(w4);
    fclose(f);
    CHECK(ok2 && ok4 && len == 0, "jpeg refuses 2 and 4 channels, writes nothing",
          "%s (len %ld)", err, len);
}

/* --- netpbm through img_* ------------------------------------------------ */

/* test_pnm_roundtrip - 1-4 channels, exact, with the right header. */
static void test_pnm_roundtrip(void)
{
    static const char *heads[5] = { NULL, "P5\n19 7\n255\n",
        "P7\nWIDTH 19\nHEIGHT 7\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n",
        "P6\n19 7\n255\n",
        "P7\nWIDTH 19\nHEIGHT 7\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n" };
    char err[ERR_MAX] = "", name[64];

    for (int ch = 1; ch <= 4; ch++) {
        uint8_t *pix = noise((size_t)19 * 7 * ch), *got = NULL, *file;
        struct img_info info;
        size_t len = 0, hl = strlen(heads[ch]);
        int rc = write_image(tpath("rt.pnm"), IMG_PNM, 19, 7, ch, NULL, pix, err);

        file = get_file(tpath("rt.pnm"), &len);
        if (rc == 0)
            rc = read_image(tpath("rt.pnm"), 0, 2, &info, &got, err);
        snprintf(name, sizeof name, "pnm round trip %d channels", ch);
        CHECK(rc == 0 && info.format == IMG_PNM && info.channels == ch
              && info.src_depth == 8 && memcmp(got, pix, (size_t)19 * 7 * ch) == 0
              && file && len == hl + (size_t)19 * 7 * ch && memcmp(file, heads[ch], hl) == 0,
              name, "rc %d %s len %zu", rc, err, len);
        free(pix);
        free(got);
        free(file);
    }
}

/* test_pnm_maxval - maxval other than 255 is scaled with rounding. */
static void test_pnm_maxval(void)
{
    static const uint16_t v16[8] = { 0, 128, 129, 257, 0x1234, 32767, 32768, 65535 };
    static const uint16_t v1000[6] = { 0, 1, 2, 500, 998, 1000 };
    uint8_t file[64], want[8], *got = NULL;
    struct img_info info;
    char err[ERR_MAX] = "";
    int n, rc;

    n = snprintf((char *)file, sizeof file, "P5\n8 1\n65535\n");
    for (int i = 0; i < 8; i++) {
        file[n++] = (uint8_t)(v16[i] >> 8);
        file[n++] = (uint8_t)v16[i];
        want[i] = (uint8_t)((v16[i] * 255u + 32767) / 65535);
    }
    put_file(tpath("m16.pgm"), file, n);
    rc = read_image(tpath("m16.pgm"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.src_depth == 16 && info.channels == 1 && memcmp(got, want, 8) == 0
          && got[1] == 0 && got[2] == 1 && got[3] == 1 && got[7] == 255,
          "pnm maxval 65535, big-endian, rounded", "rc %d %s", rc, err);
    free(got);

    n = snprintf((char *)file, sizeof file, "P6\n2 1\n1000\n");
    for (int i = 0; i < 6; i++) {
        file[n++] = (uint8_t)(v1000[i] >> 8);
        file[n++] = (uint8_t)v1000[i];
    }
    put_file(tpath("m1000.ppm"), file, n);
    rc = read_image(tpath("m1000.ppm"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.channels == 3 && got[0] == 0 && got[1] == 0 && got[2] == 1
          && got[3] == 128 && got[4] == 254 && got[5] == 255
          && strcmp(info.src_color, "rgb maxval 1000") == 0,
          "pnm maxval 1000 rounded", "rc %d %s %s", rc, err, info.src_color);
    free(got);

    static const char bw[] = "P7\nWIDTH 3\nHEIGHT 1\nDEPTH 1\nMAXVAL 1\n"
                             "TUPLTYPE BLACKANDWHITE\nENDHDR\n\1\0\1";
    put_file(tpath("bw.pam"), bw, sizeof bw - 1);
    rc = read_image(tpath("bw.pam"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.channels == 1 && got[0] == 255 && got[1] == 0 && got[2] == 255,
          "pam blackandwhite", "rc %d %s", rc, err);
    free(got);

    static const char over[] = "P5\n3 1\n15\n\0\x0f\x10";
    put_file(tpath("over.pgm"), over, sizeof over - 1);
    CHECK(expect_read_error(tpath("over.pgm"), "over.pgm: pnm: sample 16 exceeds maxval 15", err),
          "pnm sample above maxval", "%s", err);
}

/* test_pnm_broken - truncated and unsupported netpbm files. */
static void test_pnm_broken(void)
{
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(10 * 10 * 3);
    size_t len = 0;

    write_image(tpath("ok.ppm"), IMG_PNM, 10, 10, 3, NULL, pix, err);
    free(get_file(tpath("ok.ppm"), &len));
    truncate_copy(tpath("ok.ppm"), tpath("short.ppm"), len - 1, NULL, 0);
    CHECK(expect_read_error(tpath("short.ppm"), "short.ppm: pnm: unexpected end of file", err),
          "pnm one byte short", "%s", err);
    truncate_copy(tpath("ok.ppm"), tpath("hdr.ppm"), 8, NULL, 0);
    CHECK(expect_read_error(tpath("hdr.ppm"), "hdr.ppm: pnm: end of file in header", err),
          "pnm cut in the header", "%s", err);
    put_file(tpath("plain.ppm"), "P3\n1 1\n255\n0 0 0\n", 17);
    CHECK(expect_read_error(tpath("plain.ppm"), "P3 (plain or bitmap netpbm) is not supported", err),
          "plain P3 refused", "%s", err);
    free(pix);
}

/* --- generic --------------------------------------------------------------- */

/* test_sniff - format by magic, never by name; bad inputs. */
static void test_sniff(void)
{
    struct img_info info;
    char err[ERR_MAX] = "", want[1024];
    uint8_t *pix = noise(4 * 4 * 3), *got = NULL;
    img_reader *r;

    write_image(tpath("really-png.jpg"), IMG_PNG, 4, 4, 3, NULL, pix, err);
    write_image(tpath("really-jpeg.pnm"), IMG_JPEG, 4, 4, 3, NULL, pix, err);
    write_image(tpath("really-pnm.png"), IMG_PNM, 4, 4, 3, NULL, pix, err);
    CHECK(read_image(tpath("really-png.jpg"), 0, 4, &info, &got, err) == 0
          && info.format == IMG_PNG, "png named .jpg read as png", "%s", err);
    free(got);
    CHECK(read_image(tpath("really-jpeg.pnm"), 0, 4, &info, &got, err) == 0
          && info.format == IMG_JPEG, "jpeg named .pnm read as jpeg", "%s", err);
    free(got);
    CHECK(read_image(tpath("really-pnm.png"), 0, 4, &info, &got, err) == 0
          && info.format == IMG_PNM, "pnm named .png read as pnm", "%s", err);
    free(got);

    put_file(tpath("empty.png"), "", 0);
    r = img_open(tpath("empty.png"), 0, &info, err);
    snprintf(want, sizeof want, "%s: empty file (0 bytes)", tpath("empty.png"));
    CHECK(r == NULL && strcmp(err, want) == 0, "zero-byte file", "%s", err);
    put_file(tpath("text.png"), "hello, world\n", 13);
    r = img_open(tpath("text.png"), 0, &info, err);
    snprintf(want, sizeof want, "%s: not a PNG, JPEG or netpbm image", tpath("text.png"));
    CHECK(r == NULL && strcmp(err, want) == 0, "wrong magic", "%s", err);
    put_file(tpath("short.png"), "\x89PNG", 4);
    r = img_open(tpath("short.png"), 0, &info, err);
    CHECK(r == NULL && has(err, "not a PNG, JPEG or netpbm image"), "4-byte png prefix", "%s", err);
    r = img_open(tpath("missing.png"), 0, &info, err);
    CHECK(r == NULL && has(err, "missing.png: No such file or directory"), "missing file", "%s", err);
    r = img_open(dir, 0, &info, err);
    CHECK(r == NULL && has(err, "Is a directory"), "directory", "%s", err);
    free(pix);
}

/* test_row_counts - more rows than remain is an error for readers and writers. */
static void test_row_counts(void)
{
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(6 * 10), buf[6 * 10];
    img_reader *r;
    img_writer *w;
    FILE *f;
    int a, b, c, d;

    write_image(tpath("rows.png"), IMG_PNG, 6, 10, 1, NULL, pix, err);
    r = img_open(tpath("rows.png"), 0, &info, err);
    a = r ? img_read_rows(r, buf, 8, err) : -2;
    b = r ? img_read_rows(r, buf + 48, 3, err) : -2;
    CHECK(a == 0 && b == -1 && has(err, "asked for 3 rows but only 2 remain"),
          "reader refuses rows past the end", "%d %d %s", a, b, err);
    c = r ? img_read_rows(r, buf + 48, 0, err) : -2;
    d = r ? img_read_rows(r, buf + 48, 2, err) : -2;
    CHECK(c == 0 && d == 0 && memcmp(buf, pix, 60) == 0,
          "reader continues after a refused request", "%d %d %s", c, d, err);
    d = r ? img_read_rows(r, buf, 1, err) : -2;
    CHECK(d == -1 && has(err, "only 0 remain"), "reader refuses a row after the last", "%s", err);
    img_close(r);
    img_close(NULL);

    if ((f = fopen(tpath("w.png"), "wb")) == NULL)
        return;
    w = img_create(f, "w.png", IMG_PNG, 6, 10, 1, NULL, err);
    a = w ? img_write_rows(w, pix, 11, err) : -2;
    CHECK(a == -1 && has(err, "w.png: 11 rows given but only 10 remain"),
          "writer refuses rows past the end", "%s", err);
    b = w ? img_write_rows(w, pix, 9, err) : -2;
    c = w ? img_finish(w, err) : -2;
    CHECK(b == 0 && c == -1 && has(err, "only 9 of 10 rows written"),
          "finish refuses a short image", "%d %d %s", b, c, err);
    img_abandon(NULL);
    fclose(f);
    free(pix);
}

/* test_create_args - bad shapes and options are refused. */
static void test_create_args(void)
{
    struct img_write_opts bad[3];
    char err[ERR_MAX] = "";
    FILE *f = fopen(tpath("args.png"), "wb");
    int refused = 0;

    if (f == NULL)
        return;
    for (int i = 0; i < 3; i++)
        img_default_opts(&bad[i]);
    bad[0].png_level = 10;
    bad[1].png_filter = 5;
    bad[2].jpeg_quality = 0;
    for (int i = 0; i < 3; i++)
        refused += img_create(f, "x", IMG_PNG, 4, 4, 3, &bad[i], err) == NULL;
    refused += img_create(f, "x", IMG_PNG, 4, 4, 0, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_PNG, 4, 4, 5, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_PNG, 0, 4, 3, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_UNKNOWN, 4, 4, 3, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_JPEG, 70000, 4, 3, NULL, err) == NULL;
    CHECK(refused == 8 && ftell(f) == 0, "img_create refuses bad arguments",
          "%d of 8 refused, last: %s", refused, err);
    fclose(f);
}

/* test_write_errors - a full disk is reported, nothing leaks. */
static void test_write_errors(void)
{
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(64 * 64 * 3);
    static const enum img_format fmts[3] = { IMG_PNG, IMG_JPEG, IMG_PNM };

    for (int i = 0; i < 3; i++) {
        FILE *f = fopen("/dev/full", "wb");
        img_writer *w;
        int rc = 0;
        char name[64];

        if (f == NULL)
            return;
        setvbuf(f, NULL, _IONBF, 0);
        err[0] = '\0';
        w = img_create(f, "full", fmts[i], 64, 64, 3, NULL, err);
        if (w == NULL)
            rc = -1;
        for (uint32_t y = 0; w != NULL && y < 64 && rc == 0; y += 16)
            rc = img_write_rows(w, pix + y * 64 * 3, 16, err);
        if (w != NULL)
            rc = rc == 0 ? img_finish(w, err) : (img_abandon(w), -1);
        fclose(f);
        snprintf(name, sizeof name, "%s writer reports a full disk", img_format_name(fmts[i]));
        CHECK(rc == -1 && strncmp(err, "full: ", 6) == 0
              && (has(err, "No space left") || has(err, "write error")), name, "%s", err);
    }
    free(pix);
}

/* test_names - format names and extensions. */
static void test_names(void)
{
    CHECK(img_format_from_path("a.png") == IMG_PNG && img_format_from_path("A.PNG") == IMG_PNG
          && img_format_from_path("x/b.jpg") == IMG_JPEG
          && img_format_from_path("b.JPEG") == IMG_JPEG
          && img_format_from_path("c.pgm") == IMG_PNM && img_format_from_path("c.ppm") == IMG_PNM
          && img_format_from_path("c.pam") == IMG_PNM && img_format_from_path("c.pnm") == IMG_PNM
          && img_format_from_path("d.gif") == IMG_UNKNOWN
          && img_format_from_path("png") == IMG_UNKNOWN
          && img_format_from_path("dir.png/file") == IMG_UNKNOWN,
          "img_format_from_path", "mismatch");
    CHECK(strcmp(img_format_name(IMG_PNG), "png") == 0
          && strcmp(img_format_name(IMG_JPEG), "jpeg") == 0
          && strcmp(img_format_name(IMG_PNM), "pnm") == 0
          && strcmp(img_format_name(IMG_UNKNOWN), "unknown") == 0,
          "img_format_name", "mismatch");
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    const char *t = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/test_image.XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        printf("not ok - setup: cannot create a temporary directory\n");
        return 1;
    }
    test_names();
    test_png_inputs();
    test_png_roundtrip();
    test_png_writer_opts();
    test_png_limits();
    test_png_broken();
    test_jpeg_roundtrip();
    test_jpeg_quality();
    test_jpeg_inputs();
    test_jpeg_cmyk();
    test_jpeg_broken();
    test_jpeg_refuse_alpha();
    test_pnm_roundtrip();
    test_pnm_maxval();
    test_pnm_broken();
    test_sniff();
    test_row_counts();
    test_create_args();
    test_write_errors();
    cleanup();
    CHECK_DONE();
}
