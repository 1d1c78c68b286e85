/*
 * test_image_png.c - unit tests for the PNG reader and writer (image.h).
 *
 * PNG inputs of every colour type, bit depth, tRNS and interlacing are
 * written here directly with libpng, not with our writer, so that the
 * reader is checked independently; the expected 8-bit pixels are computed
 * from the samples put into the file.  Our writer is checked by round
 * trips and by reading its output back with plain libpng.  Truncated,
 * corrupt and too large files must give errors.  Everything lives in a
 * private temporary directory, removed at the end.  The test_* functions
 * return nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"

#include <png.h>
#include <zlib.h>

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

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image_png") != 0)
        return 1;
    test_png_inputs();
    test_png_roundtrip();
    test_png_writer_opts();
    test_png_limits();
    test_png_broken();
    cleanup();
    CHECK_DONE();
}
