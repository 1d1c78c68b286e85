/*
 * test_png_parallel.c - unit tests for the banded PNG encoder
 * (png_parallel.h, and image.h's png_threads).
 *
 * Every image is written with 1, 2 and 3 threads and the files must be
 * equal byte for byte.  Each file is then checked three ways: our
 * reader gives the pixels back exactly; plain libpng reads the raw
 * samples without transforms (checking CRCs and the Adler-32); and the
 * chunks are walked here, each CRC recomputed, the IDAT data inflated
 * with zlib and every filter byte checked.  Small bands (band_bytes)
 * put many band boundaries into small images; edge shapes are a 1x1
 * image, one row, one column, widths and heights that divide nothing.
 * The test_* functions return nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"
#include "png_parallel.h"

#include <png.h>
#include <zlib.h>

struct shape {
    uint32_t w, h;
    int ch, depth, filter, level;
    size_t band;            /* band_bytes; 0 = the default */
};

/* pixels - returns w*h*ch samples of depth bits, noise over a gradient
 * so that filters and deflate both have work (caller frees). */
static uint8_t *pixels(const struct shape *s)
{
    size_t n = (size_t)s->w * s->h * s->ch;
    uint8_t *p = malloc(n * (size_t)(s->depth / 8));

    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)((i % (s->w * (size_t)s->ch)) * 3 + i / s->w) + (rnd() & 7);

        if (s->depth == 8)
            p[i] = (uint8_t)v;
        else
            ((uint16_t *)p)[i] = (uint16_t)(v * 257 + (rnd() & 15));
    }
    return p;
}

/* be_bytes - returns the samples as a PNG stores them (big-endian for
 * 16 bits; caller frees). */
static uint8_t *be_bytes(const struct shape *s, const uint8_t *pix)
{
    size_t n = (size_t)s->w * s->h * s->ch * (size_t)(s->depth / 8);
    uint8_t *b = malloc(n);

    for (size_t i = 0; i < n; i += (size_t)s->depth / 8) {
        if (s->depth == 8) {
            b[i] = pix[i];
        } else {
            uint16_t v = ((const uint16_t *)pix)[i / 2];

            b[i] = (uint8_t)(v >> 8);
            b[i + 1] = (uint8_t)v;
        }
    }
    return b;
}

/* put_ihdr - writes the signature and IHDR for s to f; returns nothing. */
static void put_ihdr(FILE *f, const struct shape *s)
{
    static const uint8_t sig[8] = { 137, 'P', 'N', 'G', 13, 10, 26, 10 };
    static const int types[5] = { 0, 0, 4, 2, 6 };
    uint8_t c[4 + 4 + 13 + 4] = { 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    uint32_t crc;

    for (int i = 0; i < 4; i++) {
        c[8 + i] = (uint8_t)(s->w >> (24 - 8 * i));
        c[12 + i] = (uint8_t)(s->h >> (24 - 8 * i));
    }
    c[16] = (uint8_t)s->depth;
    c[17] = (uint8_t)types[s->ch];
    crc = (uint32_t)crc32(0L, c + 4, 17);
    for (int i = 0; i < 4; i++)
        c[21 + i] = (uint8_t)(crc >> (24 - 8 * i));
    fwrite(sig, 1, 8, f);
    fwrite(c, 1, sizeof c, f);
}

/* stride_of - returns the bytes of a row of s. */
static size_t stride_of(const struct shape *s)
{
    return (size_t)s->w * (size_t)s->ch * (size_t)(s->depth / 8);
}

/* write_img - writes pix through img_create, 5 rows a call; returns 0 or -1. */
static int write_img(const char *path, const struct shape *s, const struct img_write_opts *o,
                     const uint8_t *pix, char *err)
{
    FILE *f = fopen(path, "wb");
    img_writer *wr;
    int rc = 0;

    if (f == NULL)
        return errf_sys(err, "%s", path);
    if ((wr = img_create(f, path, IMG_PNG, s->w, s->h, s->ch, o, err)) == NULL) {
        fclose(f);
        return -1;
    }
    for (uint32_t y = 0; y < s->h && rc == 0; y += 5)
        rc = img_write_rows(wr, pix + y * stride_of(s), s->h - y < 5 ? s->h - y : 5, err);
    rc = rc == 0 ? img_finish(wr, err) : (img_abandon(wr), -1);
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "%s: close", path);
    return rc;
}

/* write_direct - writes pix with a signature and IHDR of our own and
 * pngp for the rest, 7 rows a call (a count no band size matches);
 * returns 0 or -1. */
static int write_direct(const char *path, const struct shape *s, const uint8_t *pix,
                        int threads, char *err)
{
    struct pngp_shape ps = { s->w, s->h, s->ch, s->depth, s->level, s->filter, threads,
                             s->band };
    FILE *f = fopen(path, "wb");
    pngp *p;
    int rc = 0;

    if (f == NULL)
        return errf_sys(err, "%s", path);
    put_ihdr(f, s);
    if ((p = pngp_create(f, path, &ps, err)) == NULL) {
        fclose(f);
        return -1;
    }
    for (uint32_t y = 0; y < s->h && rc == 0; y += 7)
        rc = pngp_write(p, pix + y * stride_of(s), s->h - y < 7 ? s->h - y : 7, err);
    rc = rc == 0 ? pngp_finish(p, err) : (pngp_abandon(p), -1);
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "%s: close", path);
    return rc;
}

/* encode - writes pix as path with `threads` threads (0: libpng's one
 * stream): through img_create when s->band is 0, else pngp directly;
 * returns 0 or -1. */
static int encode(const char *path, const struct shape *s, const uint8_t *pix, int threads,
                  char *err)
{
    struct img_write_opts o;

    if (s->band != 0)
        return write_direct(path, s, pix, threads, err);
    img_default_opts(&o);
    o.depth = s->depth;
    o.png_level = s->level;
    o.png_filter = s->filter;
    o.png_threads = threads;
    return write_img(path, s, &o, pix, err);
}

/* read_ours - 1 if our reader gives back s and pix exactly. */
static int read_ours(const char *path, const struct shape *s, const uint8_t *pix, char *err)
{
    struct img_open_opts oo = { 0, 1, 0, 0 };
    struct img_info info;
    img_reader *r = img_open_opts_path(path, &oo, &info, err);
    size_t n = stride_of(s) * s->h;
    uint8_t *got;
    int ok;

    if (r == NULL)
        return 0;
    got = malloc(n);
    ok = info.width == s->w && info.height == s->h && info.channels == s->ch
         && info.depth == s->depth && img_read_rows(r, got, s->h, err) == 0
         && memcmp(got, pix, n) == 0 && img_has_trailing_bytes(r) == 0;
    img_close(r);
    free(got);
    return ok;
}

/* libpng_error - plain libpng's error callback: longjmps; never returns. */
static void libpng_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

/* read_libpng - 1 if plain libpng, without transforms, reads path's
 * samples as `be` (PNG's byte order) through IEND. */
static int read_libpng(const char *path, const struct shape *s, const uint8_t *be)
{
    FILE *f = fopen(path, "rb");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, libpng_error, NULL);
    png_infop info = png_create_info_struct(png);
    size_t stride = stride_of(s);
    uint8_t *row = malloc(stride);
    volatile int ok = 0;

    if (f != NULL && setjmp(png_jmpbuf(png)) == 0) {
        png_init_io(png, f);
        png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
        png_read_info(png, info);
        ok = png_get_image_width(png, info) == s->w && png_get_image_height(png, info) == s->h
             && png_get_bit_depth(png, info) == s->depth && png_get_channels(png, info) == s->ch
             && png_get_rowbytes(png, info) == stride;
        for (uint32_t y = 0; ok && y < s->h; y++) {
            png_read_row(png, row, NULL);
            ok = memcmp(row, be + y * stride, stride) == 0;
        }
        if (ok)
            png_read_end(png, NULL);
    } else {
        ok = 0;
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    if (f != NULL)
        fclose(f);
    return ok;
}

/* get32 - returns the big-endian number at b. */
static uint32_t get32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* inflate_all - 1 if the n bytes at z are one whole zlib stream (its
 * Adler-32 right) of `want` bytes whose every row starts with a filter
 * byte 0-4. */
static int inflate_all(const uint8_t *z, size_t n, size_t want, size_t stride)
{
    uint8_t *out = malloc(want + 1);
    z_stream st;
    int rc, ok;

    memset(&st, 0, sizeof st);
    if (out == NULL || inflateInit(&st) != Z_OK) {
        free(out);
        return 0;
    }
    st.next_in = (Bytef *)z;
    st.avail_in = (uInt)n;
    st.next_out = out;
    st.avail_out = (uInt)want + 1;
    rc = inflate(&st, Z_FINISH);
    ok = rc == Z_STREAM_END && st.total_out == want && st.avail_in == 0;
    for (size_t i = 0; ok && i < want; i += stride + 1)
        ok = out[i] <= 4;
    inflateEnd(&st);
    free(out);
    return ok;
}

/* walk - 1 if path is signature, IHDR, ..., IDATs of at most
 * PNGP_IDAT_MAX bytes in a row, IEND and nothing after, every CRC
 * right, the image data a valid zlib stream of the filtered rows. */
static int walk(const char *path, const struct shape *s)
{
    size_t len = 0, at = 8, zlen = 0, idats = 0;
    uint8_t *b = get_file(path, &len), *zd = NULL;
    int ok = b != NULL && len >= 8 && memcmp(b + 1, "PNG", 3) == 0, seen_end = 0, after = 0;

    zd = malloc(len);
    while (ok && at < len && !seen_end) {
        uint32_t n = at + 12 <= len ? get32(b + at) : UINT32_MAX;

        if (n > len - at - 12) {
            ok = 0;
            break;
        }
        ok = (uint32_t)crc32(0L, b + at + 4, n + 4) == get32(b + at + 8 + n)
             && (at > 8 || memcmp(b + at + 4, "IHDR", 4) == 0);
        if (memcmp(b + at + 4, "IDAT", 4) == 0) {
            ok = ok && n <= PNGP_IDAT_MAX && !after;
            memcpy(zd + zlen, b + at + 8, n);
            zlen += n;
            idats++;
        } else if (idats > 0) {
            after = 1;
        }
        seen_end = memcmp(b + at + 4, "IEND", 4) == 0;
        at += 12 + n;
    }
    ok = ok && seen_end && at == len && idats > 0
         && inflate_all(zd, zlen, (stride_of(s) + 1) * s->h, stride_of(s));
    free(b);
    free(zd);
    return ok;
}

/* same_file - 1 if files a and b hold the same bytes. */
static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    uint8_t *x = get_file(a, &na), *y = get_file(b, &nb);
    int same = x != NULL && y != NULL && na == nb && memcmp(x, y, na) == 0;

    free(x);
    free(y);
    return same;
}

/* check_shape - writes s with 1, 2 and 3 threads, checks the files are
 * equal and valid and the pixels exact; returns nothing. */
static void check_shape(const struct shape *s)
{
    char label[160], err[ERR_MAX] = "";
    uint8_t *pix = pixels(s), *be = be_bytes(s, pix);
    int wrote = 1;

    snprintf(label, sizeof label, "%ux%u, %d channels, %d bits, filter %d, level %d, %s",
             s->w, s->h, s->ch, s->depth, s->filter, s->level,
             s->band ? "small bands" : "default bands");
    for (int t = 1; t <= 3 && wrote; t++) {
        char name[16];

        snprintf(name, sizeof name, "t%d.png", t);
        wrote = encode(tpath(name), s, pix, t, err) == 0;
    }
    CHECK(wrote, label, "write: %s", err);
    if (wrote) {
        char what[200];

        snprintf(what, sizeof what, "%s: same bytes for 1, 2, 3 threads", label);
        CHECK(same_file(tpath("t1.png"), tpath("t2.png"))
              && same_file(tpath("t1.png"), tpath("t3.png")), what, "files differ");
        snprintf(what, sizeof what, "%s: chunks, CRCs, zlib stream and Adler-32", label);
        CHECK(walk(tpath("t2.png"), s), what, "malformed");
        snprintf(what, sizeof what, "%s: our reader gives the pixels", label);
        CHECK(read_ours(tpath("t3.png"), s, pix, err), what, "%s", err);
        snprintf(what, sizeof what, "%s: plain libpng reads the samples", label);
        CHECK(read_libpng(tpath("t1.png"), s, be), what, "refused or different");
    }
    free(pix);
    free(be);
}

/* test_shapes - edge shapes, every filter, levels, 8 and 16 bits. */
static void test_shapes(void)
{
    static const struct shape shapes[] = {
        { 1, 1, 1, 8, -1, 6, 300 },     { 1, 1, 4, 16, -1, 6, 300 },
        { 1, 1, 1, 8, -1, 6, 0 },       { 1, 1, 2, 16, -1, 6, 0 },
        { 37, 1, 3, 8, -1, 6, 300 },    { 1, 50, 1, 8, -1, 6, 16 },
        { 101, 67, 2, 8, -1, 6, 500 },  { 53, 41, 3, 16, -1, 9, 1000 },
        { 77, 59, 4, 8, 0, 6, 900 },    { 77, 59, 4, 8, 1, 6, 900 },
        { 77, 59, 4, 8, 2, 6, 900 },    { 77, 59, 4, 8, 3, 6, 900 },
        { 77, 59, 4, 8, 4, 6, 900 },    { 99, 93, 4, 16, -1, 1, 2000 },
        { 64, 33, 1, 16, 2, 0, 700 },   { 333, 211, 3, 8, -1, 6, 7000 },
        { 1500, 1001, 3, 8, -1, 6, 0 }, { 700, 777, 4, 16, -1, 1, 0 },
    };

    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_shape(&shapes[i]);
}

/* test_band_rows - bands hold whole rows, about the bytes asked for. */
static void test_band_rows(void)
{
    CHECK(pngp_band_rows(24576, 0) == PNGP_BAND_BYTES / 24577 && pngp_band_rows(1, 0) > 1000
          && pngp_band_rows(PNGP_BAND_BYTES * 2, 0) == 1 && pngp_band_rows(99, 1000) == 10,
          "band rows follow the row size only", "%u", pngp_band_rows(24576, 0));
}

/* test_size - the banded file is within 1% of libpng's one stream. */
static void test_size(void)
{
    struct shape s = { 1500, 1001, 3, 8, -1, 6, 0 };
    uint8_t *pix = pixels(&s);
    char err[ERR_MAX] = "";
    size_t one = 0, banded = 0;
    uint8_t *a = NULL, *b = NULL;

    if (encode(tpath("one.png"), &s, pix, 0, err) == 0
        && encode(tpath("banded.png"), &s, pix, 2, err) == 0) {
        a = get_file(tpath("one.png"), &one);
        b = get_file(tpath("banded.png"), &banded);
    }
    CHECK(one > 0 && banded > 0 && banded <= one + one / 100,
          "banded PNG within 1% of libpng's size", "%zu against %zu bytes (%s)", banded, one,
          err);
    free(a);
    free(b);
    free(pix);
}

/* test_meta - libpng's metadata chunks come before the banded data. */
static void test_meta(void)
{
    static const uint8_t exif[] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const char xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>";
    struct shape s = { 45, 30, 3, 8, -1, 6, 0 };
    struct img_meta m = { NULL, 0, (uint8_t *)exif, sizeof exif, (uint8_t *)xmp,
                          sizeof xmp - 1, 300, 150 };
    struct img_write_opts o;
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix = pixels(&s);
    img_reader *r = NULL;
    const struct img_meta *got = NULL;
    int ok;

    img_default_opts(&o);
    o.meta = &m;
    o.png_threads = 1;
    ok = write_img(tpath("m1.png"), &s, &o, pix, err) == 0;
    o.png_threads = 3;
    ok = ok && write_img(tpath("m3.png"), &s, &o, pix, err) == 0
         && same_file(tpath("m1.png"), tpath("m3.png"));
    if (ok && (r = img_open(tpath("m3.png"), 0, &info, err)) != NULL)
        got = img_reader_meta(r);
    CHECK(got != NULL && got->exif_len == sizeof exif && got->xmp_len == sizeof xmp - 1
          && memcmp(got->xmp, xmp, sizeof xmp - 1) == 0 && got->xres > 299.9
          && got->xres < 300.1 && got->yres > 149.9 && got->yres < 150.1 && walk(tpath("m3.png"), &s)
          && read_ours(tpath("m1.png"), &s, pix, err),
          "Exif, XMP and resolution kept, same bytes for 1 and 3 threads", "%s", err);
    img_close(r);
    free(pix);
}

/* test_write_error - a stream that cannot be written is an error. */
static void test_write_error(void)
{
    struct shape s = { 300, 300, 3, 8, -1, 1, 4000 };
    struct pngp_shape ps = { s.w, s.h, s.ch, s.depth, s.level, s.filter, 2, s.band };
    uint8_t *pix = pixels(&s);
    char err[ERR_MAX] = "";
    FILE *f;
    pngp *p = NULL;
    int rc = -1;

    put_file(tpath("ro.png"), "x", 1);
    f = fopen(tpath("ro.png"), "rb");
    if (f != NULL && (p = pngp_create(f, "ro.png", &ps, err)) != NULL) {
        rc = pngp_write(p, pix, s.h, err);
        rc = rc == 0 ? pngp_finish(p, err) : (pngp_abandon(p), -1);
    }
    CHECK(f != NULL && p != NULL && rc == -1 && has(err, "ro.png: png: write"),
          "a failed write is an error naming the file", "rc %d, '%s'", rc, err);
    if (f != NULL)
        fclose(f);
    free(pix);
}

int main(void)
{
    if (make_dir("test_png_parallel") != 0)
        return 1;
    test_band_rows();
    test_shapes();
    test_size();
    test_meta();
    test_write_error();
    cleanup();
    CHECK_DONE();
}
