/*
 * test_image_meta.c - unit tests for the metadata that PNG and JPEG carry
 * through img_create() and img_open() (struct img_meta, image.h), and the
 * JPEG encoder options that change the file but not the image's identity.
 *
 * Round trips: ICC profile, Exif, XMP and resolution written from
 * img_write_opts.meta come back byte for byte from img_reader_meta() (the
 * resolution within PNG's whole pixels per metre), and info.metadata
 * names them.  Refusals: a JPEG Exif or XMP block over its marker's
 * limit and an ICC profile libpng refuses are one error each, never a
 * file without them.  JPEG options: a progressive file reads as
 * interlaced; optimised Huffman tables give a smaller file with the same
 * decoded pixels; the chroma subsampling is what the file's frame says.
 * The test_* functions return nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"

#include <jpeglib.h>
#include <libexif/exif-data.h>
#include <math.h>
#include <setjmp.h>
#include <sys/stat.h>

static char err[ERR_MAX];

/* put32 - stores v big-endian at p (ICC's byte order); returns nothing. */
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* make_icc - fills p (432 bytes) with a small but well-formed display
 * profile for colour space `space` ("RGB " or "GRAY") holding the media
 * white point and a private tag of noise: libpng cannot read back an
 * iCCP chunk that compresses below 92 bytes.  Returns its length. */
static uint32_t make_icc(uint8_t *p, const char *space)
{
    const uint32_t len = 132 + 24 + 20 + 256;

    memset(p, 0, len);
    put32(p, len);
    memcpy(p + 4, "none", 4);
    put32(p + 8, 0x02100000);           /* version 2.1 */
    memcpy(p + 12, "mntr", 4);
    memcpy(p + 16, space, 4);
    memcpy(p + 20, "XYZ ", 4);
    memcpy(p + 36, "acsp", 4);
    put32(p + 68, 0x0000f6d6);          /* the D50 illuminant */
    put32(p + 72, 0x00010000);
    put32(p + 76, 0x0000d32d);
    put32(p + 128, 2);                  /* wtpt at 156, 20 bytes; zzzz at 176 */
    memcpy(p + 132, "wtpt", 4);
    put32(p + 136, 156);
    put32(p + 140, 20);
    memcpy(p + 144, "zzzz", 4);
    put32(p + 148, 176);
    put32(p + 152, 256);
    memcpy(p + 156, "XYZ ", 4);
    put32(p + 164, 0x0000f6d6);
    put32(p + 168, 0x00010000);
    put32(p + 172, 0x0000d32d);
    for (uint32_t i = 176; i < len; i++)
        p[i] = (uint8_t)(rnd() >> 7);
    return len;
}

/* make_exif - an Exif TIFF structure with IFD0 Make and Orientation 3 in
 * byte order bo into *meta; returns 0 or -1. */
static int make_exif(struct img_meta *meta, ExifByteOrder bo)
{
    ExifData *ed = exif_data_new();
    ExifEntry *e = exif_entry_new();
    unsigned char *buf = NULL;
    unsigned int n = 0;
    int rc = -1;

    if (ed == NULL || e == NULL)
        goto done;
    exif_data_set_byte_order(ed, bo);
    exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
    exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
    exif_set_short(e->data, bo, 3);
    exif_data_save_data(ed, &buf, &n);
    /* libexif saves the JPEG APP1 payload: "Exif\0\0" first */
    if (buf != NULL && n > 6)
        rc = img_meta_set(&meta->exif, &meta->exif_len, buf + 6, n - 6, "test", "Exif", err);
done:
    free(buf);
    if (e != NULL)
        exif_entry_unref(e);
    if (ed != NULL)
        exif_data_unref(ed);
    return rc;
}

/* make_meta - every block, the resolution 300 x 150 ppi; returns 0 or -1. */
static int make_meta(struct img_meta *m, ExifByteOrder bo)
{
    static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf="
                              "'http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></x:xmpmeta>";
    uint8_t icc[512];
    uint32_t n = make_icc(icc, "RGB ");

    memset(m, 0, sizeof *m);
    m->xres = 300;
    m->yres = 150;
    return img_meta_set(&m->icc, &m->icc_len, icc, n, "test", "ICC", err) < 0
        || make_exif(m, bo) < 0
        || img_meta_set(&m->xmp, &m->xmp_len, xmp, strlen(xmp), "test", "XMP", err) < 0
        ? -1 : 0;
}

/* same_block - returns 1 if two blocks hold the same bytes. */
static int same_block(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return alen == blen && (alen == 0 || (a != NULL && b != NULL && memcmp(a, b, alen) == 0));
}

/* round_trip - writes a 3-channel image with meta as fmt, reads it back;
 * returns nothing. */
static void round_trip(enum img_format fmt, const char *file, ExifByteOrder bo)
{
    struct img_meta m;
    struct img_write_opts o;
    struct img_info info;
    uint8_t *pix = smooth(40, 30, 3);
    char name[128];
    img_reader *r;

    if (make_meta(&m, bo) < 0) {
        CHECK(0, "round trip: make the blocks", "%s", err);
        free(pix);
        return;
    }
    img_default_opts(&o);
    o.meta = &m;
    snprintf(name, sizeof name, "%s: written with every block", file);
    CHECK(write_image(tpath(file), fmt, 40, 30, 3, &o, pix, err) == 0, name, "%s", err);
    r = img_open(tpath(file), 0, &info, err);
    snprintf(name, sizeof name, "%s: read back", file);
    CHECK(r != NULL, name, "%s", err);
    if (r != NULL) {
        const struct img_meta *g = img_reader_meta(r);

        snprintf(name, sizeof name, "%s: the ICC profile is the same bytes", file);
        CHECK(same_block(g->icc, g->icc_len, m.icc, m.icc_len), name, "%u bytes", g->icc_len);
        snprintf(name, sizeof name, "%s: the Exif block is the same bytes", file);
        CHECK(same_block(g->exif, g->exif_len, m.exif, m.exif_len), name, "%u bytes",
              g->exif_len);
        snprintf(name, sizeof name, "%s: the XMP packet is the same bytes", file);
        CHECK(same_block(g->xmp, g->xmp_len, m.xmp, m.xmp_len), name, "%u bytes", g->xmp_len);
        snprintf(name, sizeof name, "%s: the resolution is 300 x 150 ppi", file);
        CHECK(fabs(g->xres - 300) < 0.03 && fabs(g->yres - 150) < 0.03, name, "%g x %g",
              g->xres, g->yres);
        snprintf(name, sizeof name, "%s: info names what it holds, orientation 3", file);
        CHECK(strcmp(info.metadata, "ICC profile, Exif, XMP, resolution") == 0
              && info.orientation == 3, name, "'%s', %d", info.metadata, info.orientation);
    }
    img_close(r);
    img_meta_free(&m);
    free(pix);
}

/* test_none - without meta a file holds none and says so; returns nothing. */
static void test_none(enum img_format fmt, const char *file)
{
    struct img_info info;
    uint8_t *pix = smooth(20, 10, 3);
    char name[128];
    img_reader *r;

    CHECK(write_image(tpath(file), fmt, 20, 10, 3, NULL, pix, err) == 0, "write without meta",
          "%s", err);
    r = img_open(tpath(file), 0, &info, err);
    if (r != NULL) {
        const struct img_meta *g = img_reader_meta(r);

        snprintf(name, sizeof name, "%s: no metadata written when none is given", file);
        CHECK(!g->icc && !g->exif && !g->xmp && g->xres == 0 && info.metadata[0] == '\0',
              name, "'%s'", info.metadata);
    } else {
        CHECK(0, "read without meta", "%s", err);
    }
    img_close(r);
    free(pix);
}

/* expect_create_error - returns 1 if img_create refuses meta for fmt with
 * a message mentioning s. */
static int expect_create_error(enum img_format fmt, int ch, const struct img_meta *m,
                               const char *s)
{
    struct img_write_opts o;
    FILE *f = fopen(tpath("refused"), "wb");
    img_writer *w;

    img_default_opts(&o);
    o.meta = m;
    err[0] = '\0';
    w = f ? img_create(f, "refused", fmt, 8, 8, ch, &o, err) : NULL;
    img_abandon(w);
    if (f != NULL)
        fclose(f);
    return w == NULL && has(err, s);
}

/* test_refused - blocks a format cannot hold are one clear error; returns nothing. */
static void test_refused(void)
{
    struct img_meta m;
    uint8_t icc[512], *big = calloc(70000, 1);

    memset(&m, 0, sizeof m);
    if (big == NULL)
        return;
    memcpy(big, "II*\0", 4);
    img_meta_set(&m.exif, &m.exif_len, big, 65528, "t", "Exif", err);
    CHECK(expect_create_error(IMG_JPEG, 3, &m, "Exif block of 65528 bytes is over"),
          "jpeg: an Exif block over 65527 bytes is refused", "%s", err);
    img_meta_free(&m);
    memset(big, 'x', 70000);
    img_meta_set(&m.xmp, &m.xmp_len, big, 65503, "t", "XMP", err);
    CHECK(expect_create_error(IMG_JPEG, 3, &m, "XMP packet of 65503 bytes is over"),
          "jpeg: an XMP packet over 65502 bytes is refused", "%s", err);
    img_meta_free(&m);
    /* what the assembler does instead: trimmed with a note, the rest kept */
    char dropped[256];
    img_meta_set(&m.xmp, &m.xmp_len, big, 65503, "t", "XMP", err);
    img_meta_set(&m.exif, &m.exif_len, "II*\0\010\0\0\0\0\0", 10, "t", "Exif", err);
    img_meta_trim(IMG_PNG, &m, dropped, sizeof dropped);
    CHECK(m.xmp != NULL && m.xmp_len == 65503 && dropped[0] == '\0',
          "trim: PNG holds a 65503-byte XMP packet", "'%s'", dropped);
    img_meta_trim(IMG_JPEG, &m, dropped, sizeof dropped);
    CHECK(m.xmp == NULL && m.xmp_len == 0 && m.exif != NULL
          && strcmp(dropped, "XMP packet of 65503 bytes (JPEG holds 65502)") == 0,
          "trim: JPEG drops the XMP packet over 65502 bytes, keeps the Exif, names it",
          "'%s'", dropped);
    img_meta_free(&m);
    img_meta_set(&m.icc, &m.icc_len, icc, make_icc(icc, "GRAY"), "t", "ICC", err);
    CHECK(expect_create_error(IMG_PNG, 3, &m, "ICC profile"),
          "png: a gray ICC profile on an RGB image is refused", "%s", err);
    img_meta_free(&m);
    img_meta_set(&m.icc, &m.icc_len, big, 200, "t", "ICC", err);
    CHECK(expect_create_error(IMG_PNG, 3, &m, "ICC profile"),
          "png: a broken ICC profile is refused", "%s", err);
    img_meta_free(&m);
    free(big);
}

/* file_size - returns the size of path, or -1. */
static long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* sampling - returns the luma sampling of a JPEG as h*10+v (22 for
 * 4:2:0, 21 for 4:2:2, 11 for 4:4:4), or -1; read with plain libjpeg. */
static int sampling(const char *path)
{
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr jerr;
    FILE *f = fopen(path, "rb");
    int v;

    if (f == NULL)
        return -1;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&ci);
    jpeg_stdio_src(&ci, f);
    jpeg_read_header(&ci, TRUE);
    v = ci.comp_info[0].h_samp_factor * 10 + ci.comp_info[0].v_samp_factor;
    jpeg_destroy_decompress(&ci);
    fclose(f);
    return v;
}

/* jpeg_with - writes pix (64x48 RGB) as path with quality q, subsampling
 * ss, optimize and progressive; returns 0 or -1. */
static int jpeg_with(const char *path, const uint8_t *pix, int q, int ss, int opt, int prog)
{
    struct img_write_opts o;

    img_default_opts(&o);
    o.jpeg_quality = q;
    o.jpeg_subsample = ss;
    o.jpeg_optimize = opt;
    o.jpeg_progressive = prog;
    return write_image(path, IMG_JPEG, 64, 48, 3, &o, pix, err);
}

/* test_jpeg_options - subsampling, optimised tables, progressive; returns nothing. */
static void test_jpeg_options(void)
{
    uint8_t *pix = noise(64 * 48 * 3), *a = NULL, *b = NULL;
    struct img_info ia, ib;

    if (pix == NULL)
        return;
    jpeg_with(tpath("q90.jpg"), pix, 90, 0, 0, 0);
    jpeg_with(tpath("q89.jpg"), pix, 89, 0, 0, 0);
    jpeg_with(tpath("s422.jpg"), pix, 90, 422, 0, 0);
    jpeg_with(tpath("s420.jpg"), pix, 95, 420, 0, 0);
    CHECK(sampling(tpath("q90.jpg")) == 11, "jpeg: quality 90 defaults to 4:4:4", "%d",
          sampling(tpath("q90.jpg")));
    CHECK(sampling(tpath("q89.jpg")) == 22, "jpeg: quality 89 defaults to 4:2:0", "%d",
          sampling(tpath("q89.jpg")));
    CHECK(sampling(tpath("s422.jpg")) == 21, "jpeg: 422 is 2x1 luma sampling", "%d",
          sampling(tpath("s422.jpg")));
    CHECK(sampling(tpath("s420.jpg")) == 22, "jpeg: 420 at quality 95 is 2x2", "%d",
          sampling(tpath("s420.jpg")));
    jpeg_with(tpath("opt.jpg"), pix, 90, 0, 1, 0);
    CHECK(file_size(tpath("opt.jpg")) > 0
          && file_size(tpath("opt.jpg")) < file_size(tpath("q90.jpg")),
          "jpeg: optimised tables make a smaller file", "%ld vs %ld",
          file_size(tpath("opt.jpg")), file_size(tpath("q90.jpg")));
    if (read_image(tpath("opt.jpg"), 0, 7, &ia, &a, err) == 0
        && read_image(tpath("q90.jpg"), 0, 7, &ib, &b, err) == 0)
        CHECK(memcmp(a, b, 64 * 48 * 3) == 0 && !ia.interlaced,
              "jpeg: optimised tables decode to the same pixels", "differ");
    else
        CHECK(0, "jpeg: read the optimised file", "%s", err);
    free(a);
    free(b);
    a = NULL;
    jpeg_with(tpath("prog.jpg"), pix, 90, 0, 0, 1);
    CHECK(read_image(tpath("prog.jpg"), 0, 7, &ia, &a, err) == 0 && ia.interlaced,
          "jpeg: --jpeg-progressive writes a progressive file", "%s", err);
    free(a);
    free(pix);
}

/* test_cut_app1 - a JPEG cut off at every byte of its Exif marker is one
 * error; under ASan's leak check, nothing read so far is lost (the
 * marker's bytes come from libjpeg's pool).  Returns nothing. */
static void test_cut_app1(void)
{
    FILE *f = fopen(tpath("meta-le.jpg"), "rb");
    uint8_t buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    size_t app1 = 0, bad = 0, tried = 0;

    if (f)
        fclose(f);
    for (size_t i = 2; i + 4 < n && app1 == 0; i++)
        if (buf[i] == 0xff && buf[i + 1] == 0xe1)
            app1 = i;
    CHECK(app1 > 0, "cut APP1: the file has an Exif marker", "%zu bytes read", n);
    for (size_t cut = app1 + 2; app1 > 0 && cut < app1 + 64 && cut < n; cut++, tried++) {
        struct img_info info;
        FILE *g = fopen(tpath("cut.jpg"), "wb");
        if (g) {
            fwrite(buf, 1, cut, g);
            fclose(g);
        }
        img_reader *r = img_open(tpath("cut.jpg"), 0, &info, err);
        if (r != NULL || strstr(err, "cut.jpg") == NULL)
            bad++;
        img_close(r);
    }
    CHECK(tried > 0 && bad == 0, "cut APP1: every cut inside the marker is an error naming the file",
          "%zu of %zu cuts opened", bad, tried);
}

int main(void)
{
    if (make_dir("test_image_meta") != 0)
        return 1;
    round_trip(IMG_PNG, "meta.png", EXIF_BYTE_ORDER_INTEL);
    round_trip(IMG_JPEG, "meta-le.jpg", EXIF_BYTE_ORDER_INTEL);
    round_trip(IMG_JPEG, "meta-be.jpg", EXIF_BYTE_ORDER_MOTOROLA);
    test_cut_app1();
    test_none(IMG_PNG, "none.png");
    test_none(IMG_JPEG, "none.jpg");
    test_refused();
    test_jpeg_options();
    cleanup();
    CHECK_DONE();
}
