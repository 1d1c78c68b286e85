/*
 * image_tiff_write.c - TIFF and BigTIFF encoder on libtiff 4.5.
 *
 * NAME
 *	tiff_write_create, tiff_write_rows, tiff_write_finish,
 *	tiff_write_abandon - the writing half of img_tiff_codec (image_tiff.c)
 * SUMMARY
 *	Writes one page of 8- or 16-bit gray, gray+alpha, RGB or RGBA
 *	(alpha as EXTRASAMPLE_UNASSALPHA), contiguous samples, in strips of
 *	about 256 KiB (the default) or in tiles of tiff_tile x tiff_tile.
 *	Compression is none, deflate, lzw, jpeg or zstd, with the horizontal
 *	predictor for the three lossless ones; JPEG takes jpeg_quality, only
 *	8-bit samples, and stores RGB as YCbCr, subsampled as jpeg_subsample
 *	says (its default as in the JPEG writer: 444 at quality 90 and up,
 *	else 420).  BigTIFF is written when
 *	asked (bigtiff) or when the samples, uncompressed, with room for a
 *	compressor's worst case, could pass 4 GiB.
 *
 *	Memory: strips go to libtiff a scanline at a time (it compresses as
 *	rows come); tiles need a row of them, so rows are gathered in a band
 *	of tile height x image width and written out tile by tile when it is
 *	full.
 *
 *	Metadata from img_write_opts.meta: ICC profile, XMP packet,
 *	resolution (inches), and the Exif block's tags (image_tiff_exif.c).
 *	Nothing time-dependent is written.
 * DESCRIPTION
 *	The FILE is the caller's (write-only, never read back); libtiff
 *	writes the image's directory at TIFFClose, which finish() calls
 *	without closing the FILE, and leaves it at the end of the file.
 * DIAGNOSTICS
 *	"NAME: tiff: MESSAGE", MESSAGE being libtiff's text, strerror(errno)
 *	of a failed write, or ours.
 */
#include "image_tiff.h"
#include "err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* the strip size aimed at */
#define STRIP_BYTES (256u << 10)

struct tiffw {
    struct tiff_io io;
    TIFF *tif;
    uint32_t width, height, next;
    size_t stride;          /* bytes of an image row */
    size_t pixel;           /* bytes of a pixel */
    uint32_t tile;          /* tile side, or 0 for strips */
    uint8_t *band;          /* tiles: tile rows of the image */
    uint8_t *tilebuf;       /* tiles: one tile; strips: one row (libtiff's
                             * predictor and byte swapping change the
                             * buffer they are given) */
    uint32_t band_rows;     /* rows gathered in band */
};

/* tiff_write_abandon - frees a TIFF writer without finishing; returns nothing. */
void tiff_write_abandon(void *p)
{
    struct tiffw *st = p;

    if (st == NULL)
        return;
    if (st->tif != NULL)
        TIFFCleanup(st->tif);   /* frees without writing the directory */
    free(st->band);
    free(st->tilebuf);
    free(st);
}

/* codec_of - returns libtiff's compression scheme for o, or 0 after
 * filling io->err when it cannot be used. */
static uint16_t codec_of(struct tiffw *st, const struct img_write_opts *o)
{
    static const struct { uint16_t scheme; const char *name; } map[] = {
        { COMPRESSION_NONE, "none" }, { COMPRESSION_ADOBE_DEFLATE, "deflate" },
        { COMPRESSION_LZW, "lzw" }, { COMPRESSION_JPEG, "jpeg" },
        { COMPRESSION_ZSTD, "zstd" },
    };
    uint16_t scheme = map[o->tiff_compression].scheme;

    if (o->tiff_compression == IMG_TIFF_JPEG && o->depth != 8)
        return tiff_io_fail(&st->io, "JPEG compression holds 8-bit samples only, not %d-bit"
                            " (choose deflate, lzw or zstd)", o->depth), 0;
    if (!TIFFIsCODECConfigured(scheme))
        return tiff_io_fail(&st->io, "this libtiff has no %s compression",
                            map[o->tiff_compression].name), 0;
    return scheme;
}

/* set_layout - sets the image's tags; returns 0 or -1. */
static int set_layout(struct tiffw *st, int channels, const struct img_write_opts *o,
                      uint16_t scheme)
{
    TIFF *tif = st->tif;
    int color = channels >= 3;
    uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    int jpeg = scheme == COMPRESSION_JPEG;

    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, st->width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, st->height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, o->depth);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, channels);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    if (channels == 2 || channels == 4)
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &extra);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, scheme);
    if (jpeg && channels == 3) {
        int sub = o->jpeg_subsample ? o->jpeg_subsample : o->jpeg_quality >= 90 ? 444 : 420;
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
        TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, sub == 444 ? 1 : 2, sub == 420 ? 2 : 1);
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    } else {
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, color ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    }
    if (jpeg)
        TIFFSetField(tif, TIFFTAG_JPEGQUALITY, o->jpeg_quality);
    else if (scheme != COMPRESSION_NONE)
        TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    if (st->tile) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, st->tile);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, st->tile);
    } else {
        uint32_t rps = (uint32_t)(STRIP_BYTES / st->stride);
        if (rps < 1)
            rps = 1;
        if (jpeg)       /* whole JPEG MCU rows in every strip */
            rps = (rps + 15) / 16 * 16;
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rps > st->height ? st->height : rps);
    }
    return tiff_io_erred(&st->io) ? tiff_io_fail(&st->io, "cannot set the image's tags") : 0;
}

/* set_meta - sets the tags of o->meta that TIFF holds; returns 0 or -1. */
static int set_meta(struct tiffw *st, const struct img_meta *m)
{
    if (m->icc_len > 0)
        TIFFSetField(st->tif, TIFFTAG_ICCPROFILE, m->icc_len, m->icc);
    if (m->xmp_len > 0)
        TIFFSetField(st->tif, TIFFTAG_XMLPACKET, m->xmp_len, m->xmp);
    if (m->xres > 0 && m->yres > 0) {
        TIFFSetField(st->tif, TIFFTAG_XRESOLUTION, m->xres);
        TIFFSetField(st->tif, TIFFTAG_YRESOLUTION, m->yres);
        TIFFSetField(st->tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    }
    return tiff_io_erred(&st->io) ? tiff_io_fail(&st->io, "cannot set the metadata tags") : 0;
}

/* needs_big - returns 1 if the image could make a classic TIFF pass 4 GiB. */
static int needs_big(const struct tiffw *st)
{
    uint64_t raw = (uint64_t)st->stride * st->height;

    /* LZW can grow data by half; strip and tile tables and tags need room too */
    return raw + raw / 2 + (64u << 20) > UINT32_MAX;
}

/* start - opens libtiff on the FILE and sets every tag; returns 0 or -1. */
static int start(struct tiffw *st, int channels, const struct img_write_opts *o)
{
    uint16_t scheme = codec_of(st, o);

    if (st->io.failed)
        return -1;
    if ((st->tif = tiff_io_open(&st->io, o->bigtiff || needs_big(st) ? "w8" : "w")) == NULL)
        return -1;
    if (o->meta && o->meta->exif_len > 0
        && tiff_exif_write(st->tif, &st->io, o->meta->exif, o->meta->exif_len) < 0)
        return -1;
    if (set_layout(st, channels, o, scheme) < 0 || (o->meta && set_meta(st, o->meta) < 0))
        return -1;
    if (st->tile) {
        tmsize_t ts = TIFFTileSize(st->tif);
        if (ts <= 0 || (size_t)ts != st->pixel * st->tile * st->tile)
            return tiff_io_fail(&st->io, "unexpected tile size %lld", (long long)ts);
        st->band = malloc(st->stride * st->tile);
        st->tilebuf = malloc((size_t)ts);
        if (st->band == NULL || st->tilebuf == NULL)
            return tiff_io_fail(&st->io, "out of memory for a row of tiles (%zu bytes)",
                                st->stride * st->tile);
    } else if ((st->tilebuf = malloc(st->stride)) == NULL) {
        return tiff_io_fail(&st->io, "out of memory for a row (%zu bytes)", st->stride);
    }
    return 0;
}

/* tiff_write_create - returns a TIFF writer ready for the first row, or NULL. */
void *tiff_write_create(FILE *f, const char *name, uint32_t width, uint32_t height,
                        int channels, const struct img_write_opts *o, char *err)
{
    struct tiffw *st = calloc(1, sizeof *st);

    if (st == NULL) {
        errf(err, "%s: tiff: out of memory", name);
        return NULL;
    }
    st->io = (struct tiff_io){ .f = f, .name = name, .err = err };
    st->width = width;
    st->height = height;
    st->pixel = (size_t)channels * (size_t)(o->depth / 8);
    st->stride = (size_t)width * st->pixel;
    st->tile = (uint32_t)o->tiff_tile;
    if (start(st, channels, o) < 0) {
        tiff_write_abandon(st);
        return NULL;
    }
    return st;
}

/* flush_tiles - writes the band's row of tiles; returns 0 or -1. */
static int flush_tiles(struct tiffw *st)
{
    uint32_t y0 = st->next - st->band_rows;
    size_t tile_row = st->pixel * st->tile;

    for (uint32_t x = 0; x < st->width; x += st->tile) {
        uint32_t cols = st->width - x < st->tile ? st->width - x : st->tile;

        /* edge tiles are padded with zeros, as readers ignore them */
        memset(st->tilebuf, 0, tile_row * st->tile);
        for (uint32_t r = 0; r < st->band_rows; r++)
            memcpy(st->tilebuf + r * tile_row, st->band + r * st->stride + x * st->pixel,
                   cols * st->pixel);
        if (TIFFWriteTile(st->tif, st->tilebuf, x, y0, 0, 0) < 0 || tiff_io_erred(&st->io))
            return tiff_io_fail(&st->io, "cannot write the tile at %" PRIu32 ",%" PRIu32,
                                x, y0);
    }
    st->band_rows = 0;
    return 0;
}

/* tiff_write_rows - returns 0 after encoding the next nrows rows, or -1. */
int tiff_write_rows(void *p, const uint8_t *buf, uint32_t nrows, char *err)
{
    struct tiffw *st = p;

    st->io.err = err;
    for (uint32_t i = 0; i < nrows; i++) {
        const uint8_t *row = buf + i * st->stride;

        if (st->tile == 0) {
            memcpy(st->tilebuf, row, st->stride);
            if (TIFFWriteScanline(st->tif, st->tilebuf, st->next, 0) < 0
                || tiff_io_erred(&st->io))
                return tiff_io_fail(&st->io, "cannot write row %" PRIu32, st->next);
            st->next++;
            continue;
        }
        memcpy(st->band + st->band_rows++ * st->stride, row, st->stride);
        st->next++;
        if ((st->band_rows == st->tile || st->next == st->height) && flush_tiles(st) < 0)
            return -1;
    }
    return 0;
}

/* tiff_write_finish - returns 0 once the directory is written, or -1; frees st. */
int tiff_write_finish(void *p, char *err)
{
    struct tiffw *st = p;
    int rc;

    st->io.err = err;
    rc = TIFFWriteDirectory(st->tif) && !tiff_io_erred(&st->io) ? 0 : -1;
    if (rc < 0)
        tiff_io_fail(&st->io, "cannot write the directory");
    else
        TIFFClose(st->tif);
    if (rc == 0)
        st->tif = NULL;
    /* libtiff last wrote the header's first-IFD offset: leave the FILE at
     * the end, where a caller's stream (open_memstream) takes its size */
    if (rc == 0 && (fseeko(st->io.f, 0, SEEK_END) != 0 || fflush(st->io.f) != 0))
        rc = errf_sys(err, "%s: tiff: write", st->io.name);
    tiff_write_abandon(st);
    return rc;
}
