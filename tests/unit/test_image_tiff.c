/*
 * test_image_tiff.c - unit tests for the TIFF reader and writer (image.h).
 *
 * Inputs of several kinds (1-bit MINISWHITE, 4-bit palette, 16-bit RGB,
 * premultiplied RGBA, separate planes, tiles with edge tiles) are written
 * here directly with libtiff, so the reader is checked against pixels
 * computed from the samples put in.  The writer is checked by round trips
 * through every compression, strips and tiles, 8 and 16 bits, 1-4
 * channels, and by reading its tags back with libtiff.  Metadata (ICC,
 * XMP, resolution, Exif) goes out and comes back.  Pages, IFD loops,
 * truncation and the 16-bit JPEG refusal give errors.
 */
#include "check.h"
#include "imagetest.h"

#include <libexif/exif-data.h>
#include <tiffio.h>

/* silent - a libtiff handler that drops the message; returns nothing. */
static void silent(const char *module, const char *fmt, va_list ap)
{
    (void)module;
    (void)fmt;
    (void)ap;
}

/* struct kind - one directly written input. */
struct kind {
    const char *label;
    uint16_t photometric, bps, spp, planar, extra;
    uint32_t tile;          /* 0: strips of 3 rows */
};

/* sample_of - returns the stored sample s of pixel i (deterministic). */
static uint32_t sample_of(const struct kind *k, size_t i, int s)
{
    uint32_t v = (uint32_t)(i * 7 + (size_t)s * 50 + i / 13);

    if (k->extra && s == k->spp - 1)
        return k->bps == 16 ? 40000 : 200;      /* alpha */
    if (k->extra == EXTRASAMPLE_ASSOCALPHA)
        v %= 200;                               /* premultiplied: below alpha */
    return v & ((1u << k->bps) - 1);
}

/* put_bits - stores v (bps bits) as sample i of row; returns nothing. */
static void put_bits(uint8_t *row, size_t i, int bps, uint32_t v)
{
    if (bps == 8) {
        row[i] = (uint8_t)v;
    } else if (bps == 16) {
        uint16_t w = (uint16_t)v;
        memcpy(row + 2 * i, &w, 2);
    } else {
        size_t bit = i * (size_t)bps;
        row[bit >> 3] |= (uint8_t)(v << (8 - bps - (int)(bit & 7)));
    }
}

/* write_kind - writes a w x h input of kind k with libtiff; returns 0 or -1. */
static int write_kind(const char *path, const struct kind *k, uint32_t w, uint32_t h)
{
    TIFF *t = TIFFOpen(path, "w");
    int planes = k->planar == PLANARCONFIG_SEPARATE ? k->spp : 1;
    int per = planes > 1 ? 1 : k->spp;
    uint32_t bh = k->tile ? k->tile : 3, bw = k->tile ? k->tile : w;
    size_t row = ((size_t)bw * per * k->bps + 7) / 8;
    uint8_t *buf = calloc(row, bh);
    uint16_t cmap[3][16], extra = k->extra;
    int rc = 0;

    if (t == NULL || buf == NULL)
        return -1;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, k->bps);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, k->spp);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, k->photometric);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, k->planar);
    if (k->extra)
        TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
    if (k->photometric == PHOTOMETRIC_PALETTE) {
        for (int i = 0; i < 16; i++)
            for (int c = 0; c < 3; c++)
                cmap[c][i] = (uint16_t)((i * 16 + c * 5) * 257);
        TIFFSetField(t, TIFFTAG_COLORMAP, cmap[0], cmap[1], cmap[2]);
    }
    if (k->tile) {
        TIFFSetField(t, TIFFTAG_TILEWIDTH, k->tile);
        TIFFSetField(t, TIFFTAG_TILELENGTH, k->tile);
    } else {
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, bh);
    }
    for (int p = 0; p < planes; p++)
        for (uint32_t y0 = 0; y0 < h; y0 += bh)
            for (uint32_t x0 = 0; x0 < w; x0 += bw) {
                memset(buf, 0, row * bh);
                for (uint32_t y = y0; y < y0 + bh && y < h; y++)
                    for (uint32_t x = x0; x < x0 + bw && x < w; x++)
                        for (int s = 0; s < per; s++)
                            put_bits(buf + (y - y0) * row, (size_t)(x - x0) * per + s, k->bps,
                                     sample_of(k, (size_t)y * w + x, planes > 1 ? p : s));
                if (k->tile)
                    rc |= TIFFWriteTile(t, buf, x0, y0, 0, (uint16_t)p) < 0;
                else
                    rc |= TIFFWriteEncodedStrip(t, TIFFComputeStrip(t, y0, (uint16_t)p), buf,
                                                (tmsize_t)(row * (h - y0 < bh ? h - y0 : bh)))
                          < 0;
            }
    TIFFClose(t);
    free(buf);
    return rc ? -1 : 0;
}

/* expect - returns the 8-bit output sample c of pixel i of kind k. */
static uint32_t expect(const struct kind *k, size_t i, int c)
{
    uint32_t max = (1u << k->bps) - 1, a = max;
    int nc = k->photometric == PHOTOMETRIC_RGB ? 3 : 1;
    uint32_t v;

    if (k->photometric == PHOTOMETRIC_PALETTE)
        return sample_of(k, i, 0) * 16 + (uint32_t)c * 5;
    if (k->extra)
        a = sample_of(k, i, k->spp - 1);
    v = c < nc ? sample_of(k, i, c) : a;
    if (k->photometric == PHOTOMETRIC_MINISWHITE)
        v = max - v;
    if (c < nc && k->extra == EXTRASAMPLE_ASSOCALPHA)
        v = v >= a ? max : (v * max + a / 2) / a;
    if (k->bps == 16)
        return (v * 255 + 32767) / 65535;
    return v * 255 / max;
}

/* test_tiff_inputs - every kind decodes to the expected pixels. */
static void test_tiff_inputs(void)
{
    static const struct kind kinds[] = {
        { "gray 8 strips", PHOTOMETRIC_MINISBLACK, 8, 1, PLANARCONFIG_CONTIG, 0, 0 },
        { "miniswhite 1-bit", PHOTOMETRIC_MINISWHITE, 1, 1, PLANARCONFIG_CONTIG, 0, 0 },
        { "gray 2-bit", PHOTOMETRIC_MINISBLACK, 2, 1, PLANARCONFIG_CONTIG, 0, 0 },
        { "palette 4-bit", PHOTOMETRIC_PALETTE, 4, 1, PLANARCONFIG_CONTIG, 0, 0 },
        { "rgb 16-bit", PHOTOMETRIC_RGB, 16, 3, PLANARCONFIG_CONTIG, 0, 0 },
        { "rgba premultiplied", PHOTOMETRIC_RGB, 8, 4, PLANARCONFIG_CONTIG,
          EXTRASAMPLE_ASSOCALPHA, 0 },
        { "gray+alpha tiles", PHOTOMETRIC_MINISBLACK, 8, 2, PLANARCONFIG_CONTIG,
          EXTRASAMPLE_UNASSALPHA, 16 },
        { "rgb separate planes", PHOTOMETRIC_RGB, 8, 3, PLANARCONFIG_SEPARATE, 0, 0 },
        { "rgba separate tiles 16-bit", PHOTOMETRIC_RGB, 16, 4, PLANARCONFIG_SEPARATE,
          EXTRASAMPLE_UNASSALPHA, 32 },
    };
    const uint32_t w = 45, h = 37;
    char name[128], err[ERR_MAX] = "";

    for (size_t n = 0; n < sizeof kinds / sizeof kinds[0]; n++) {
        const struct kind *k = &kinds[n];
        struct img_info info;
        uint8_t *pix = NULL;
        int bad = -1, ch = (k->photometric == PHOTOMETRIC_MINISBLACK
                            || k->photometric == PHOTOMETRIC_MINISWHITE ? 1 : 3) + !!k->extra;

        if (write_kind(tpath("kind.tif"), k, w, h) < 0) {
            CHECK(0, k->label, "cannot write the input");
            continue;
        }
        if (read_image(tpath("kind.tif"), 0, 7, &info, &pix, err) == 0 && info.channels == ch) {
            bad = 0;
            for (size_t i = 0; i < (size_t)w * h && !bad; i++)
                for (int c = 0; c < ch; c++)
                    if (pix[i * ch + c] != expect(k, i, c))
                        bad = 1;
        }
        snprintf(name, sizeof name, "tiff %s decodes to the expected pixels", k->label);
        CHECK(bad == 0, name, "%s channels %d bad %d", err, info.channels, bad);
        free(pix);
    }
}

/* test_tiff_roundtrip - every compression, layout, depth and channel
 * count written and read back; tags as asked. */
static void test_tiff_roundtrip(void)
{
    static const char *comp[] = { "none", "deflate", "lzw", "jpeg", "zstd" };
    const uint32_t w = 70, h = 41;
    char name[160], err[ERR_MAX] = "";
    int failures = 0, tested = 0;

    for (int c = IMG_TIFF_NONE; c <= IMG_TIFF_ZSTD; c++)
        for (int tile = 0; tile <= 32; tile += 32)
            for (int ch = 1; ch <= 4; ch++) {
                    struct img_write_opts o;
                    struct img_info info;
                    uint8_t *pix = smooth(w, h, ch), *back = NULL;
                    img_default_opts(&o);
                    o.tiff_compression = c;
                    o.tiff_tile = tile;
                    o.depth = 8;
                    tested++;
                    int rc = write_image(tpath("rt.tif"), IMG_TIFF, w, h, ch, &o, pix, err);
                    if (rc == 0)
                        rc = read_image(tpath("rt.tif"), 0, 9, &info, &back, err);
                    int diff = rc == 0 ? max_diff(pix, back, (size_t)w * h * ch) : 999;
                    TIFF *t = rc == 0 ? TIFFOpen(tpath("rt.tif"), "r") : NULL;
                    uint16_t scheme = 0;
                    if (t) {
                        TIFFGetField(t, TIFFTAG_COMPRESSION, &scheme);
                        if (TIFFIsTiled(t) != (tile != 0))
                            scheme = 0;
                        TIFFClose(t);
                    }
                    if (rc < 0 || diff > (c == IMG_TIFF_JPEG ? 16 : 0) || info.channels != ch
                        || scheme == 0 || (c == IMG_TIFF_NONE) != (scheme == COMPRESSION_NONE)) {
                        snprintf(name, sizeof name, "tiff round trip %s tile %d %d ch",
                                 comp[c], tile, ch);
                        CHECK(0, name, "%s diff %d scheme %u", err, diff, scheme);
                        failures++;
                    }
                    free(pix);
                    free(back);
                }
    snprintf(name, sizeof name, "tiff writer: %d compression x layout x channel cases read back",
             tested);
    CHECK(failures == 0, name, "%d failed", failures);
}

/* write16 - writes a 16-bit w x h x ch image; returns 0 or -1. */
static int write16(const char *path, uint32_t w, uint32_t h, int ch,
                   struct img_write_opts *o, const uint16_t *px, char *err)
{
    FILE *f = fopen(path, "wb");
    img_writer *wr;
    int rc;

    if (f == NULL)
        return -1;
    o->depth = 16;
    wr = img_create(f, path, IMG_TIFF, w, h, ch, o, err);
    rc = wr ? img_write_rows(wr, (const uint8_t *)px, h, err) : -1;
    rc = rc == 0 ? img_finish(wr, err) : (img_abandon(wr), -1);
    fclose(f);
    return rc;
}

/* test_tiff_16 - 16-bit samples stay 16-bit with keep16; jpeg refuses them. */
static void test_tiff_16(void)
{
    const uint32_t w = 33, h = 20;
    uint16_t px[33 * 20 * 3], back[33 * 20 * 3];
    struct img_write_opts o;
    struct img_open_opts oo = { .keep16 = 1 };
    struct img_info info;
    char err[ERR_MAX] = "";
    int same = 0;

    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++)
        px[i] = (uint16_t)(i * 2654435761u >> 7);
    img_default_opts(&o);
    o.tiff_compression = IMG_TIFF_ZSTD;
    o.tiff_tile = 16;
    if (write16(tpath("d16.tif"), w, h, 3, &o, px, err) == 0) {
        img_reader *r = img_open_opts_path(tpath("d16.tif"), &oo, &info, err);
        if (r && info.depth == 16 && img_read_rows(r, (uint8_t *)back, h, err) == 0)
            same = memcmp(px, back, sizeof px) == 0;
        img_close(r);
    }
    CHECK(same, "tiff 16-bit zstd tiles stay 16-bit and exact with keep16", "%s", err);
    o.tiff_compression = IMG_TIFF_JPEG;
    err[0] = '\0';
    CHECK(write16(tpath("j16.tif"), w, h, 3, &o, px, err) < 0 && has(err, "8-bit samples only"),
          "tiff jpeg compression of 16-bit samples is refused", "%s", err);
}

/* exif_blob - returns a libexif-made Exif block (TIFF structure, caller
 * frees) with Make, Orientation, ExposureTime 1/250, FNumber 2.8, ISO 400. */
static uint8_t *exif_blob(uint32_t *len)
{
    ExifData *ed = exif_data_new();
    ExifEntry *e;
    unsigned char *buf = NULL;
    unsigned int n = 0;
    uint8_t *out;

    exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
    e = exif_entry_new();
    exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
    exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
    exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, 6);
    exif_entry_unref(e);
    e = exif_entry_new();
    exif_content_add_entry(ed->ifd[EXIF_IFD_EXIF], e);
    exif_entry_initialize(e, EXIF_TAG_EXPOSURE_TIME);
    exif_set_rational(e->data, EXIF_BYTE_ORDER_INTEL, (ExifRational){ 1, 250 });
    exif_entry_unref(e);
    e = exif_entry_new();
    exif_content_add_entry(ed->ifd[EXIF_IFD_EXIF], e);
    exif_entry_initialize(e, EXIF_TAG_FNUMBER);
    exif_set_rational(e->data, EXIF_BYTE_ORDER_INTEL, (ExifRational){ 28, 10 });
    exif_entry_unref(e);
    e = exif_entry_new();
    exif_content_add_entry(ed->ifd[EXIF_IFD_EXIF], e);
    exif_entry_initialize(e, EXIF_TAG_ISO_SPEED_RATINGS);
    exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, 400);
    exif_entry_unref(e);
    exif_data_save_data(ed, &buf, &n);
    exif_data_unref(ed);
    *len = n - 6;
    out = malloc(*len);
    memcpy(out, buf + 6, *len);
    free(buf);
    return out;
}

/* exif_value - returns the text libexif shows for tag in an Exif block. */
static const char *exif_value(const uint8_t *blob, uint32_t len, ExifIfd ifd, ExifTag tag)
{
    static char text[64];
    char value[64];
    uint8_t *copy = malloc(len + 6);
    ExifData *ed;
    ExifEntry *e;

    memcpy(copy, "Exif\0\0", 6);
    memcpy(copy + 6, blob, len);
    ed = exif_data_new_from_data(copy, len + 6);
    e = ed ? exif_content_get_entry(ed->ifd[ifd], tag) : NULL;
    snprintf(text, sizeof text, "%s", e ? exif_entry_get_value(e, value, sizeof value) : "none");
    if (ed)
        exif_data_unref(ed);
    free(copy);
    return text;
}

/* test_tiff_meta - ICC, XMP, resolution and Exif go out and come back. */
static void test_tiff_meta(void)
{
    static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>";
    uint8_t icc[300], *pix = smooth(20, 10, 3);
    struct img_meta m = { 0 };
    struct img_write_opts o;
    struct img_open_opts oo = { 0 };
    struct img_info info;
    char err[ERR_MAX] = "";

    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (uint8_t)i;
    m.icc = icc;
    m.icc_len = sizeof icc;
    m.xmp = (uint8_t *)xmp;
    m.xmp_len = sizeof xmp - 1;
    m.xres = 300;
    m.yres = 150;
    m.exif = exif_blob(&m.exif_len);
    img_default_opts(&o);
    o.meta = &m;
    o.tiff_compression = IMG_TIFF_DEFLATE;
    int rc = write_image(tpath("meta.tif"), IMG_TIFF, 20, 10, 3, &o, pix, err);
    img_reader *r = rc == 0 ? img_open_opts_path(tpath("meta.tif"), &oo, &info, err) : NULL;
    const struct img_meta *got = r ? img_reader_meta(r) : NULL;
    CHECK(got && got->icc_len == sizeof icc && memcmp(got->icc, icc, sizeof icc) == 0,
          "tiff ICC profile written and read back", "%s", err);
    CHECK(got && got->xmp_len == m.xmp_len && memcmp(got->xmp, xmp, m.xmp_len) == 0,
          "tiff XMP packet written and read back", "%s", err);
    CHECK(got && got->xres > 299.9 && got->xres < 300.1 && got->yres > 149.9 && got->yres < 150.1,
          "tiff resolution written and read back in pixels per inch", "%.2f %.2f",
          got ? got->xres : 0, got ? got->yres : 0);
    CHECK(got && info.orientation == 6, "tiff orientation from the Exif block is written",
          "%d", got ? info.orientation : 0);
    CHECK(got && got->exif && strcmp(exif_value(got->exif, got->exif_len, EXIF_IFD_EXIF,
                                                EXIF_TAG_EXPOSURE_TIME), "1/250 sec.") == 0,
          "tiff Exif sub-IFD exposure time written and read back", "%s",
          got && got->exif ? exif_value(got->exif, got->exif_len, EXIF_IFD_EXIF,
                                        EXIF_TAG_EXPOSURE_TIME) : "no exif");
    CHECK(got && got->exif && strcmp(exif_value(got->exif, got->exif_len, EXIF_IFD_EXIF,
                                                EXIF_TAG_ISO_SPEED_RATINGS), "400") == 0,
          "tiff Exif ISO written and read back", "%s",
          got && got->exif ? exif_value(got->exif, got->exif_len, EXIF_IFD_EXIF,
                                        EXIF_TAG_ISO_SPEED_RATINGS) : "no exif");
    img_close(r);
    free(m.exif);
    free(pix);
}

/* test_tiff_errors - pages, loops, truncation and the pixel limit. */
static void test_tiff_errors(void)
{
    uint8_t *pix = smooth(40, 30, 3), *data;
    struct img_write_opts o;
    struct img_open_opts oo = { .page = 1 };
    struct img_info info;
    char err[ERR_MAX] = "";
    size_t len;

    img_default_opts(&o);
    write_image(tpath("one.tif"), IMG_TIFF, 40, 30, 3, &o, pix, err);
    img_reader *r = img_open_opts_path(tpath("one.tif"), &oo, &info, err);
    CHECK(r == NULL && has(err, "page 1 asked for, the file has 1 page"),
          "tiff page past the end is one clear error", "%s", err);
    img_close(r);
    CHECK(read_image(tpath("one.tif"), 100, 7, &info, &data, err) < 0 && data == NULL
          && has(err, "over the limit"), "tiff pixel limit", "%s", err);
    /* the IFD's next-IFD offset pointed at the IFD itself */
    data = get_file(tpath("one.tif"), &len);
    if (data != NULL && len > 8 && data[0] == 'I') {
        uint32_t ifd = data[4] | data[5] << 8 | (uint32_t)data[6] << 16 | (uint32_t)data[7] << 24;
        uint32_t n = data[ifd] | data[ifd + 1] << 8;
        memcpy(data + ifd + 2 + 12 * n, data + 4, 4);
        put_file(tpath("loop.tif"), data, len);
        oo.page = 0;
        err[0] = '\0';
        r = img_open_opts_path(tpath("loop.tif"), &oo, &info, err);
        CHECK(r == NULL && has(err, "tiff:"), "tiff IFD loop is an error", "%s", err);
        img_close(r);
        put_file(tpath("cut.tif"), data, len / 2);
        CHECK(expect_read_error(tpath("cut.tif"), "tiff:", err),
              "tiff truncated file is an error", "%s", err);
    } else {
        CHECK(0, "tiff IFD loop is an error", "cannot read one.tif");
    }
    free(data);
    free(pix);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    TIFFSetErrorHandler(silent);
    TIFFSetWarningHandler(silent);
    if (make_dir("test_image_tiff") != 0)
        return 1;
    test_tiff_inputs();
    test_tiff_roundtrip();
    test_tiff_16();
    test_tiff_meta();
    test_tiff_errors();
    cleanup();
    CHECK_DONE();
}
