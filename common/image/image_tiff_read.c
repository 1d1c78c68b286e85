/*
 * image_tiff_read.c - TIFF and BigTIFF decoder on libtiff 4.5.
 *
 * NAME
 *	tiff_read_open, tiff_read_rows, tiff_read_close - the reading half of
 *	img_tiff_codec (image_tiff.c)
 * SUMMARY
 *	One page (img_open_opts.page, 0 the first) is decoded to the layout of
 *	image.h:
 *	  MINISBLACK 1/2/4/8/16 bits   -> gray (1/2/4 bits spread over 0..255)
 *	  MINISWHITE                   -> gray, inverted
 *	  PALETTE 1/2/4/8 bits         -> RGB (8 bits from the 16-bit colormap;
 *	                                  a map whose entries are all below 256
 *	                                  is taken as an 8-bit map)
 *	  RGB 8/16 bits                -> RGB
 *	  YCbCr, JPEG-compressed       -> RGB (libjpeg converts)
 *	  one extra sample             -> alpha; associated (premultiplied)
 *	                                  alpha is un-premultiplied; further
 *	                                  extra samples are dropped
 *	16-bit samples stay 16-bit with keep16 (palette excepted), else become
 *	(v*255 + 32767) / 65535 as in the PNG reader.  Contiguous and separate
 *	planar configurations, strips and tiles are read.  CMYK and other
 *	photometrics, float, signed and 32-bit samples are refused by name.
 *
 *	Memory is bounded by a strip or a row of tiles, never the image: a
 *	contiguous stripped file is read a scanline at a time (libtiff reads a
 *	strip's compressed bytes as it goes), a separate-planes stripped file
 *	a strip per plane, a tiled file one row of tiles (tile height x image
 *	width) per plane.  The pixel limit is checked before anything of the
 *	image's size is allocated; a decoded tile or strip band over
 *	TIFF_MAX_BAND is refused.
 *
 *	The page's ICC profile, XMP packet and resolution go into the
 *	caller's img_meta, and an Exif block is built (image_tiff_exif.c)
 *	from the EXIF sub-IFD and IFD0's descriptive tags.
 * DESCRIPTION
 *	The whole IFD chain is walked at open (TIFFNumberOfDirectories), so
 *	a loop or a broken link is an error whatever page is asked for, and
 *	a page past the end is named with the count.
 * DIAGNOSTICS
 *	"NAME: tiff: MESSAGE", MESSAGE being libtiff's text or ours.
 */
#include "image_tiff.h"
#include "err.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* the largest band of decoded samples (a row of tiles or a strip) read */
#define TIFF_MAX_BAND ((uint64_t)64 << 20)

struct tiffr {
    struct tiff_io io;
    TIFF *tif;
    uint32_t width, height;
    uint16_t bps, spp, photometric;
    int separate;           /* PLANARCONFIG_SEPARATE */
    int tiled;
    int nc;                 /* colour samples in the file: 1 or 3 */
    int alpha;              /* 0 none, 1 unassociated, 2 associated */
    int out_ch, depth;
    uint16_t *cmap[3];      /* palette: libtiff's colormap */
    int cmap8;              /* the colormap holds 8-bit values */
    uint32_t band_h;        /* rows a band holds: 1, rows per strip, or tile height */
    uint32_t tw, th;
    size_t plane_row;       /* bytes of one row of one plane in band */
    uint8_t *band;          /* band_h rows of each plane (plane after plane) */
    uint8_t *tile;          /* one decoded tile */
    tmsize_t tile_size;
    uint32_t band_y0, band_rows, next;
};

/* sample - returns sample i of a row of bps-bit samples (16-bit in host order). */
static uint32_t sample(const uint8_t *row, size_t i, int bps)
{
    uint16_t v;
    size_t bit;

    switch (bps) {
    case 8: return row[i];
    case 16: memcpy(&v, row + 2 * i, 2); return v;
    default:
        bit = i * (size_t)bps;
        return (uint32_t)(row[bit >> 3] >> (8 - bps - (int)(bit & 7))) & ((1u << bps) - 1);
    }
}

/* scale - returns v (bps bits) at the output depth. */
static uint32_t scale(const struct tiffr *st, uint32_t v)
{
    if (st->depth == 16 || st->bps == 8)
        return v;
    if (st->bps == 16)
        return (v * 255 + 32767) / 65535;
    return v * 255 / ((1u << st->bps) - 1);
}

/* put - stores v at channel position i of an output row; returns nothing. */
static void put(const struct tiffr *st, uint8_t *out, size_t i, uint32_t v)
{
    uint16_t w = (uint16_t)v;

    if (st->depth == 16)
        memcpy(out + 2 * i, &w, 2);
    else
        out[i] = (uint8_t)v;
}

/* convert_row - converts band row r to the output layout in out; returns nothing. */
static void convert_row(const struct tiffr *st, uint32_t r, uint8_t *out)
{
    const uint32_t max = (1u << st->bps) - 1;
    const uint8_t *planes[5];
    int step = st->separate ? 1 : st->spp;
    int nread = st->nc + (st->alpha ? 1 : 0);

    for (int s = 0; s < nread; s++)
        planes[s] = st->band + ((st->separate ? (size_t)s * st->band_h : 0) + r) * st->plane_row;
    if (!st->separate && st->bps == 8 && st->spp == st->out_ch && st->alpha != 2
        && st->photometric != PHOTOMETRIC_MINISWHITE && st->photometric != PHOTOMETRIC_PALETTE) {
        memcpy(out, planes[0], (size_t)st->width * st->out_ch);
        return;
    }
    for (uint32_t x = 0; x < st->width; x++) {
        uint32_t v[4], a = max;
        size_t o = (size_t)x * st->out_ch;

        for (int s = 0; s < nread; s++)
            v[s] = sample(planes[s], st->separate ? x : (size_t)x * step + s, st->bps);
        if (st->alpha)
            a = v[st->nc];
        if (st->photometric == PHOTOMETRIC_MINISWHITE)
            v[0] = max - v[0];
        if (st->alpha == 2)
            for (int c = 0; c < st->nc; c++)
                v[c] = a == 0 ? 0 : v[c] >= a ? max : (v[c] * max + a / 2) / a;
        if (st->photometric == PHOTOMETRIC_PALETTE) {
            for (int c = 0; c < 3; c++) {
                uint32_t m = st->cmap[c][v[0]];
                put(st, out, o + c, st->cmap8 ? m : (m * 255 + 32767) / 65535);
            }
        } else {
            for (int c = 0; c < st->nc; c++)
                put(st, out, o + c, scale(st, v[c]));
        }
        if (st->alpha)
            put(st, out, o + st->out_ch - 1, scale(st, a));
    }
}

/* read_strips - fills the band with the strip(s) holding row y0; returns 0 or -1. */
static int read_strips(struct tiffr *st, uint32_t y0, uint32_t rows)
{
    if (!st->separate) {
        assert(st->band_h == 1);
        return TIFFReadScanline(st->tif, st->band, y0, 0) < 0 || tiff_io_erred(&st->io)
               ? tiff_io_fail(&st->io, "cannot read row %" PRIu32, y0) : 0;
    }
    for (uint16_t p = 0; p < st->nc + (st->alpha ? 1 : 0); p++) {
        tmsize_t need = (tmsize_t)(rows * st->plane_row);
        tmsize_t n = TIFFReadEncodedStrip(st->tif, TIFFComputeStrip(st->tif, y0, p),
                                          st->band + (size_t)p * st->band_h * st->plane_row,
                                          need);
        if (n < 0 || tiff_io_erred(&st->io))
            return tiff_io_fail(&st->io, "cannot read the strip of row %" PRIu32, y0);
        if (n < need)
            return tiff_io_fail(&st->io, "the strip of row %" PRIu32 " is short (%lld of "
                                "%lld bytes)", y0, (long long)n, (long long)need);
    }
    return 0;
}

/* read_tiles - fills the band with the row of tiles starting at row y0;
 * returns 0 or -1. */
static int read_tiles(struct tiffr *st, uint32_t y0, uint32_t rows)
{
    int planes = st->separate ? (st->nc + (st->alpha ? 1 : 0)) : 1;
    size_t bits = (size_t)st->bps * (st->separate ? 1 : st->spp);
    size_t tile_row = (st->tw * bits + 7) / 8;

    for (int p = 0; p < planes; p++) {
        uint8_t *plane = st->band + (size_t)p * st->band_h * st->plane_row;

        for (uint32_t x = 0; x < st->width; x += st->tw) {
            uint32_t cols = st->width - x < st->tw ? st->width - x : st->tw;
            size_t at = (size_t)x * bits / 8, len = (cols * bits + 7) / 8;
            tmsize_t n = TIFFReadEncodedTile(st->tif,
                                             TIFFComputeTile(st->tif, x, y0, 0, (uint16_t)p),
                                             st->tile, st->tile_size);
            if (n < 0 || tiff_io_erred(&st->io))
                return tiff_io_fail(&st->io, "cannot read the tile at %" PRIu32 ",%" PRIu32,
                                    x, y0);
            if ((size_t)n < (rows - 1) * tile_row + len)
                return tiff_io_fail(&st->io, "the tile at %" PRIu32 ",%" PRIu32 " is short",
                                    x, y0);
            for (uint32_t r = 0; r < rows; r++)
                memcpy(plane + r * st->plane_row + at, st->tile + r * tile_row, len);
        }
    }
    return 0;
}

/* tiff_read_rows - returns 0 after decoding the next nrows rows into buf, or -1. */
int tiff_read_rows(void *p, uint8_t *buf, uint32_t nrows, char *err)
{
    struct tiffr *st = p;
    size_t stride = (size_t)st->width * st->out_ch * (st->depth / 8);

    st->io.err = err;
    for (uint32_t i = 0; i < nrows; i++, st->next++) {
        if (st->next >= st->band_y0 + st->band_rows) {
            uint32_t y0 = st->next - st->next % st->band_h;
            uint32_t rows = st->height - y0 < st->band_h ? st->height - y0 : st->band_h;
            int rc = st->tiled ? read_tiles(st, y0, rows) : read_strips(st, y0, rows);
            if (rc < 0)
                return -1;
            st->band_y0 = y0;
            st->band_rows = rows;
        }
        convert_row(st, st->next - st->band_y0, buf + i * stride);
    }
    return 0;
}

/* tiff_read_close - frees a TIFF reader; returns nothing. */
void tiff_read_close(void *p)
{
    struct tiffr *st = p;

    if (st == NULL)
        return;
    if (st->tif != NULL)
        TIFFClose(st->tif);
    free(st->band);
    free(st->tile);
    free(st);
}

/* select_page - makes `page` the current directory; returns 0 or -1. */
static int select_page(struct tiffr *st, uint32_t page)
{
    tdir_t n;

    /* libtiff stops at a loop in the IFD chain with a warning */
    st->io.warning[0] = '\0';
    n = TIFFNumberOfDirectories(st->tif);
    if (tiff_io_erred(&st->io))
        return tiff_io_fail(&st->io, "cannot walk the chain of pages");
    if (strstr(st->io.warning, "loop"))
        return tiff_io_fail(&st->io, "the chain of pages loops (%s)", st->io.warning);
    if (page >= n)
        return tiff_io_fail(&st->io, "page %" PRIu32 " asked for, the file has %u page%s",
                            page, (unsigned)n, n == 1 ? "" : "s");
    if (!TIFFSetDirectory(st->tif, (tdir_t)page) || tiff_io_erred(&st->io))
        return tiff_io_fail(&st->io, "cannot read page %" PRIu32, page);
    return 0;
}

/* describe - fills info->src_color from the file's photometric; returns nothing. */
static void describe(const struct tiffr *st, struct img_info *info, uint16_t extra)
{
    const char *c;

    switch (st->photometric) {
    case PHOTOMETRIC_MINISBLACK: c = "minisblack"; break;
    case PHOTOMETRIC_MINISWHITE: c = "miniswhite"; break;
    case PHOTOMETRIC_PALETTE: c = "palette"; break;
    case PHOTOMETRIC_YCBCR: c = "ycbcr"; break;
    default: c = "rgb"; break;
    }
    snprintf(info->src_color, sizeof info->src_color, "%s%s%s", c,
             st->alpha == 1 ? "+alpha" : st->alpha == 2 ? "+assoc.alpha" : "",
             extra > (st->alpha ? 1 : 0) ? "+extra" : "");
}

/* check_kind - refuses sample formats and photometrics we do not decode;
 * returns 0 or -1. */
static int check_kind(struct tiffr *st, uint16_t fmt, uint16_t compression)
{
    static const struct { uint16_t pm; const char *name; } named[] = {
        { PHOTOMETRIC_SEPARATED, "CMYK (separated)" }, { PHOTOMETRIC_CIELAB, "CIE L*a*b*" },
        { PHOTOMETRIC_ICCLAB, "ICC L*a*b*" }, { PHOTOMETRIC_ITULAB, "ITU L*a*b*" },
        { PHOTOMETRIC_MASK, "a transparency mask" }, { PHOTOMETRIC_LOGL, "LogL" },
        { PHOTOMETRIC_LOGLUV, "LogLuv" }, { PHOTOMETRIC_CFA, "a colour filter array" },
    };

    if (fmt == SAMPLEFORMAT_IEEEFP)
        return tiff_io_fail(&st->io, "cannot read floating-point samples");
    if (fmt != SAMPLEFORMAT_UINT && fmt != SAMPLEFORMAT_VOID)
        return tiff_io_fail(&st->io, "cannot read samples of format %u (only unsigned"
                            " integers)", fmt);
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (st->photometric == named[i].pm)
            return tiff_io_fail(&st->io, "cannot read %s images", named[i].name);
    if (st->photometric > PHOTOMETRIC_YCBCR || st->photometric == 5)
        return tiff_io_fail(&st->io, "cannot read photometric interpretation %u",
                            st->photometric);
    if (st->photometric == PHOTOMETRIC_YCBCR && compression != COMPRESSION_JPEG)
        return tiff_io_fail(&st->io, "cannot read YCbCr without JPEG compression");
    if (st->bps != 1 && st->bps != 2 && st->bps != 4 && st->bps != 8 && st->bps != 16)
        return tiff_io_fail(&st->io, "cannot read %u-bit samples (1, 2, 4, 8 or 16)",
                            st->bps);
    if (st->bps < 8 && st->photometric != PHOTOMETRIC_PALETTE && st->spp != 1)
        return tiff_io_fail(&st->io, "cannot read %u-bit samples with %u samples a pixel",
                            st->bps, st->spp);
    if (st->photometric == PHOTOMETRIC_PALETTE && (st->bps > 8 || st->spp != 1))
        return tiff_io_fail(&st->io, "cannot read a palette of %u-bit indices with %u"
                            " samples a pixel", st->bps, st->spp);
    st->nc = st->photometric == PHOTOMETRIC_RGB || st->photometric == PHOTOMETRIC_YCBCR
             ? 3 : 1;
    if (st->spp < st->nc)
        return tiff_io_fail(&st->io, "%u samples a pixel is too few for its photometric",
                            st->spp);
    return 0;
}

/* read_layout - reads and checks the page's pixel fields, filling info;
 * returns 0 or -1. */
static int read_layout(struct tiffr *st, struct img_info *info)
{
    uint16_t fmt, planar, compression, orient, extra = 0, *types = NULL;

    TIFFGetFieldDefaulted(st->tif, TIFFTAG_BITSPERSAMPLE, &st->bps);
    TIFFGetFieldDefaulted(st->tif, TIFFTAG_SAMPLESPERPIXEL, &st->spp);
    TIFFGetFieldDefaulted(st->tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(st->tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(st->tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(st->tif, TIFFTAG_PHOTOMETRIC, &st->photometric))
        return tiff_io_fail(&st->io, "no photometric interpretation");
    if (!TIFFGetField(st->tif, TIFFTAG_IMAGEWIDTH, &st->width)
        || !TIFFGetField(st->tif, TIFFTAG_IMAGELENGTH, &st->height)
        || st->width == 0 || st->height == 0)
        return tiff_io_fail(&st->io, "no image width or height");
    if (check_kind(st, fmt, compression) < 0)
        return -1;
    TIFFGetFieldDefaulted(st->tif, TIFFTAG_EXTRASAMPLES, &extra, &types);
    st->alpha = st->spp > st->nc
                ? (extra > 0 && types && types[0] == EXTRASAMPLE_ASSOCALPHA ? 2 : 1) : 0;
    if (st->alpha == 2 && st->bps < 8)
        st->alpha = 1;
    st->separate = planar == PLANARCONFIG_SEPARATE && st->spp > 1;
    st->tiled = TIFFIsTiled(st->tif);
    st->out_ch = (st->photometric == PHOTOMETRIC_PALETTE ? 3 : st->nc) + (st->alpha ? 1 : 0);
    describe(st, info, (uint16_t)(st->spp - st->nc));
    if (TIFFGetFieldDefaulted(st->tif, TIFFTAG_ORIENTATION, &orient) && orient >= 1
        && orient <= 8)
        info->orientation = orient;
    info->width = st->width;
    info->height = st->height;
    info->channels = st->out_ch;
    info->src_depth = st->bps;
    return 0;
}

/* read_colormap - takes libtiff's colormap and decides its scale; returns 0 or -1. */
static int read_colormap(struct tiffr *st)
{
    uint32_t n = 1u << st->bps;

    if (!TIFFGetField(st->tif, TIFFTAG_COLORMAP, &st->cmap[0], &st->cmap[1], &st->cmap[2]))
        return tiff_io_fail(&st->io, "a palette image without a colormap");
    st->cmap8 = 1;
    for (int c = 0; c < 3; c++)
        for (uint32_t i = 0; i < n; i++)
            if (st->cmap[c][i] > 255)
                st->cmap8 = 0;
    return 0;
}

/* plan_band - sizes and allocates the band and tile buffers; returns 0 or -1. */
static int plan_band(struct tiffr *st)
{
    uint64_t bits = (uint64_t)st->bps * (st->separate ? 1 : st->spp);
    int planes = st->separate ? st->nc + (st->alpha ? 1 : 0) : 1;
    uint64_t band;

    st->plane_row = (size_t)((st->width * bits + 7) / 8);
    if (st->tiled) {
        uint64_t ts = TIFFTileSize64(st->tif);
        if (!TIFFGetField(st->tif, TIFFTAG_TILEWIDTH, &st->tw)
            || !TIFFGetField(st->tif, TIFFTAG_TILELENGTH, &st->th) || st->tw == 0 || st->th == 0
            || ts == 0 || tiff_io_erred(&st->io))
            return tiff_io_fail(&st->io, "bad tile size");
        if (ts > TIFF_MAX_BAND || (st->tw * bits) % 8 != 0
            || ts < (st->tw * bits / 8) * st->th)
            return tiff_io_fail(&st->io, "cannot read tiles of %" PRIu32 "x%" PRIu32
                                " (%" PRIu64 " bytes)", st->tw, st->th, ts);
        st->tile_size = (tmsize_t)ts;
        st->band_h = st->th < st->height ? st->th : st->height;
    } else if (st->separate) {
        uint32_t rps;
        TIFFGetFieldDefaulted(st->tif, TIFFTAG_ROWSPERSTRIP, &rps);
        st->band_h = rps == 0 || rps > st->height ? st->height : rps;
    } else {
        st->band_h = 1;
        if (TIFFScanlineSize64(st->tif) != st->plane_row)
            return tiff_io_fail(&st->io, "unexpected scanline size %" PRIu64,
                                (uint64_t)TIFFScanlineSize64(st->tif));
    }
    band = (uint64_t)st->plane_row * st->band_h * planes;
    if (band > TIFF_MAX_BAND)
        return tiff_io_fail(&st->io, "cannot read a band of %" PRIu64 " bytes (strips or"
                            " tiles too large)", band);
    st->band = malloc((size_t)band);
    if (st->band == NULL || (st->tiled && (st->tile = malloc((size_t)st->tile_size)) == NULL))
        return tiff_io_fail(&st->io, "out of memory");
    return 0;
}

/* read_meta - copies the page's ICC profile, XMP and resolution to meta;
 * returns 0 or -1. */
static int read_meta(struct tiffr *st, struct img_meta *meta)
{
    uint32_t n;
    void *data;
    float xr, yr;
    uint16_t unit;

    if (TIFFGetField(st->tif, TIFFTAG_ICCPROFILE, &n, &data) && n > 0
        && img_meta_set(&meta->icc, &meta->icc_len, data, n, st->io.name, "ICC profile",
                        st->io.err) < 0)
        return -1;
    if (TIFFGetField(st->tif, TIFFTAG_XMLPACKET, &n, &data) && n > 0
        && img_meta_set(&meta->xmp, &meta->xmp_len, data, n, st->io.name, "XMP packet",
                        st->io.err) < 0)
        return -1;
    TIFFGetFieldDefaulted(st->tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    if ((unit == RESUNIT_INCH || unit == RESUNIT_CENTIMETER)
        && TIFFGetField(st->tif, TIFFTAG_XRESOLUTION, &xr)
        && TIFFGetField(st->tif, TIFFTAG_YRESOLUTION, &yr) && xr > 0 && yr > 0) {
        meta->xres = unit == RESUNIT_INCH ? xr : xr * 2.54;
        meta->yres = unit == RESUNIT_INCH ? yr : yr * 2.54;
    }
    return 0;
}

/* tiff_read_open - returns a TIFF reader with *info filled, or NULL. */
void *tiff_read_open(FILE *f, const char *name, const struct img_open_opts *o,
                     struct img_info *info, struct img_meta *meta, char *err)
{
    struct tiffr *st = calloc(1, sizeof *st);

    if (st == NULL) {
        errf(err, "%s: tiff: out of memory", name);
        return NULL;
    }
    st->io = (struct tiff_io){ .f = f, .name = name, .err = err };
    if ((st->tif = tiff_io_open(&st->io, "r")) == NULL || select_page(st, o->page) < 0
        || read_meta(st, meta) < 0 || tiff_exif_read(st->tif, &st->io, o->page, meta) < 0
        || read_layout(st, info) < 0)
        goto fail;
    if (img_check_pixels(name, st->width, st->height, o->max_pixels, err) < 0)
        goto fail;
    st->depth = st->bps == 16 && o->keep16 && st->photometric != PHOTOMETRIC_PALETTE ? 16 : 8;
    info->depth = st->depth;
    if (st->photometric == PHOTOMETRIC_PALETTE && read_colormap(st) < 0)
        goto fail;
    if (st->photometric == PHOTOMETRIC_YCBCR
        && !TIFFSetField(st->tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB)) {
        tiff_io_fail(&st->io, "cannot convert YCbCr to RGB");
        goto fail;
    }
    if (plan_band(st) < 0)
        goto fail;
    st->band_rows = 0;
    return st;

fail:
    tiff_read_close(st);
    return NULL;
}
