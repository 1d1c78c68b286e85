/*
 * image_tiff_exif.c - Exif between a TIFF file's own tags and the Exif
 * block of struct img_meta.
 *
 * NAME
 *	tiff_exif_read, tiff_exif_write - the Exif half of img_tiff_codec
 * SUMMARY
 *	A TIFF file holds Exif as tags: IFD0's descriptive ones (Make, Model,
 *	Software, DateTime, Artist, Copyright, ImageDescription, Orientation)
 *	and an EXIF sub-IFD (TIFFTAG_EXIFIFD).  Other formats carry Exif as a
 *	block, a TIFF structure of its own, so the reader builds one with
 *	libexif from the tags of the tables below, and the writer parses a
 *	block with libexif and sets the same tags.  The kept EXIF tags are the
 *	common camera ones: exposure, aperture, ISO, dates, focal length,
 *	flash, metering, white balance, lens; maker notes, GPS and
 *	interoperability IFDs, thumbnails and the tags that describe the
 *	stored image (pixel dimensions) are not carried.
 * DESCRIPTION
 *	Writing follows libtiff's way for custom directories: the EXIF IFD is
 *	built with TIFFCreateEXIFDirectory and written with
 *	TIFFWriteCustomDirectory, then a fresh image directory is started
 *	whose TIFFTAG_EXIFIFD points at it.  Doing this before the image
 *	data means the image's directory never has to be read back and
 *	rewritten, which the writer's FILE (write-only) could not do.
 *	Rationals travel as libtiff's floats or doubles; they are turned back
 *	into fractions exactly for 1/N exposure times and integers, else with
 *	a denominator of 10000.
 * DIAGNOSTICS
 *	None of its own: a damaged Exif block or sub-IFD is left out.
 */
#include "image_tiff.h"
#include "err.h"

#include <libexif/exif-data.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t exif_prefix[6] = { 'E', 'x', 'i', 'f', 0, 0 };

/* IFD0 tags carried (all ASCII but Orientation) */
static const uint32_t ifd0_tags[] = {
    TIFFTAG_MAKE, TIFFTAG_MODEL, TIFFTAG_SOFTWARE, TIFFTAG_DATETIME, TIFFTAG_ARTIST,
    TIFFTAG_COPYRIGHT, TIFFTAG_IMAGEDESCRIPTION,
};

/* EXIF sub-IFD tags carried */
static const uint32_t exif_tags[] = {
    EXIFTAG_EXPOSURETIME, EXIFTAG_FNUMBER, EXIFTAG_EXPOSUREPROGRAM, EXIFTAG_ISOSPEEDRATINGS,
    EXIFTAG_DATETIMEORIGINAL, EXIFTAG_DATETIMEDIGITIZED, EXIFTAG_SHUTTERSPEEDVALUE,
    EXIFTAG_APERTUREVALUE, EXIFTAG_EXPOSUREBIASVALUE, EXIFTAG_MAXAPERTUREVALUE,
    EXIFTAG_METERINGMODE, EXIFTAG_LIGHTSOURCE, EXIFTAG_FLASH, EXIFTAG_FOCALLENGTH,
    EXIFTAG_SUBSECTIMEORIGINAL, EXIFTAG_COLORSPACE, EXIFTAG_EXPOSUREMODE,
    EXIFTAG_WHITEBALANCE, EXIFTAG_FOCALLENGTHIN35MMFILM, EXIFTAG_SCENECAPTURETYPE,
};

/* add_entry - returns a new entry of n values of format fmt in ed's IFD,
 * or NULL (out of memory). */
static ExifEntry *add_entry(ExifData *ed, ExifIfd ifd, uint32_t tag, ExifFormat fmt,
                            unsigned n)
{
    ExifMem *mem = exif_mem_new_default();
    ExifEntry *e = mem ? exif_entry_new_mem(mem) : NULL;

    if (e != NULL) {
        e->tag = (ExifTag)tag;
        e->format = fmt;
        e->components = n;
        e->size = exif_format_get_size(fmt) * n;
        e->data = exif_mem_alloc(mem, e->size ? e->size : 1);
        if (e->data == NULL) {
            exif_entry_unref(e);
            e = NULL;
        } else {
            exif_content_add_entry(ed->ifd[ifd], e);
            exif_entry_unref(e);    /* the IFD holds it now */
        }
    }
    if (mem)
        exif_mem_unref(mem);
    return e;
}

/* to_fraction - returns nothing; *num / *den (den > 0) is d: exactly for
 * integers and 1/N, else to 1/10000.  num is signed for SRATIONAL. */
static void to_fraction(double d, int64_t *num, uint32_t *den)
{
    double a = fabs(d), inv = a > 0 ? round(1 / a) : 0;

    if (a > 2e9) {
        *num = d < 0 ? -2000000000 : 2000000000;
        *den = 1;
    } else if (a == floor(a)) {
        *num = (int64_t)d;
        *den = 1;
    } else if (a < 1 && inv < 2e9 && fabs(1 / a - inv) < 1e-3) {
        *num = d < 0 ? -1 : 1;
        *den = (uint32_t)inv;
    } else {
        *den = a < 2e5 ? 10000 : 1;
        *num = (int64_t)llround(d * *den);
    }
}

/* copy_tag - adds libtiff's value of tag in the current directory to ed's
 * IFD; returns nothing (tags absent or of another shape are skipped). */
static void copy_tag(TIFF *tif, ExifData *ed, ExifIfd ifd, uint32_t tag)
{
    ExifByteOrder bo = exif_data_get_byte_order(ed);
    const TIFFField *fip = TIFFFieldWithTag(tif, tag);
    ExifEntry *e;

    if (fip == NULL)
        return;
    switch (TIFFFieldDataType(fip)) {
    case TIFF_ASCII: {
        char *s;
        if (TIFFGetField(tif, tag, &s) && s && strlen(s) < 65536
            && (e = add_entry(ed, ifd, tag, EXIF_FORMAT_ASCII, (unsigned)strlen(s) + 1)))
            memcpy(e->data, s, strlen(s) + 1);
        break;
    }
    case TIFF_SHORT:
        if (TIFFFieldPassCount(fip)) {
            uint16_t n = 0, *v = NULL;
            if (TIFFGetField(tif, tag, &n, &v) && n > 0 && n <= 16 && v
                && (e = add_entry(ed, ifd, tag, EXIF_FORMAT_SHORT, n)))
                for (unsigned i = 0; i < n; i++)
                    exif_set_short(e->data + 2 * i, bo, v[i]);
        } else {
            uint16_t v;
            if (TIFFGetField(tif, tag, &v) && (e = add_entry(ed, ifd, tag, EXIF_FORMAT_SHORT, 1)))
                exif_set_short(e->data, bo, v);
        }
        break;
    case TIFF_LONG: {
        uint32_t v;
        if (!TIFFFieldPassCount(fip) && TIFFGetField(tif, tag, &v)
            && (e = add_entry(ed, ifd, tag, EXIF_FORMAT_LONG, 1)))
            exif_set_long(e->data, bo, v);
        break;
    }
    case TIFF_RATIONAL:
    case TIFF_SRATIONAL: {
        double d = 0;
        float f;
        int ok = TIFFFieldSetGetSize(fip) == 8 ? TIFFGetField(tif, tag, &d)
                 : (TIFFGetField(tif, tag, &f) ? (d = f, 1) : 0);
        int64_t num;
        uint32_t den;
        int srat = TIFFFieldDataType(fip) == TIFF_SRATIONAL;
        if (TIFFFieldPassCount(fip) || !ok || !isfinite(d) || (!srat && d < 0))
            break;
        to_fraction(d, &num, &den);
        if (!(e = add_entry(ed, ifd, tag, srat ? EXIF_FORMAT_SRATIONAL : EXIF_FORMAT_RATIONAL, 1)))
            break;
        if (srat)
            exif_set_srational(e->data, bo, (ExifSRational){ (ExifSLong)num, (ExifSLong)den });
        else
            exif_set_rational(e->data, bo, (ExifRational){ (ExifLong)num, den });
        break;
    }
    case TIFF_UNDEFINED: {
        uint32_t n = 0;
        uint8_t *v = NULL;
        if (TIFFFieldPassCount(fip) && TIFFFieldReadCount(fip) == TIFF_VARIABLE2
            && TIFFGetField(tif, tag, &n, &v) && n > 0 && n < 65536 && v
            && (e = add_entry(ed, ifd, tag, EXIF_FORMAT_UNDEFINED, n)))
            memcpy(e->data, v, n);
        break;
    }
    default:
        break;
    }
}

/* save - stores ed in meta->exif without the "Exif\0\0" prefix; returns 0 or -1. */
static int save(ExifData *ed, struct tiff_io *io, struct img_meta *meta)
{
    unsigned char *buf = NULL;
    unsigned int n = 0;
    int rc = 0;

    exif_data_save_data(ed, &buf, &n);
    if (buf != NULL && n > sizeof exif_prefix)
        rc = img_meta_set(&meta->exif, &meta->exif_len, buf + sizeof exif_prefix,
                          n - sizeof exif_prefix, io->name, "Exif block", io->err);
    free(buf);
    return rc;
}

/* tiff_exif_read - returns 0 with meta->exif built (if the page has any
 * Exif tag), or -1. */
int tiff_exif_read(TIFF *tif, struct tiff_io *io, uint32_t page, struct img_meta *meta)
{
    ExifData *ed = exif_data_new();
    toff_t off = 0;
    uint16_t orient;
    ExifEntry *e;
    int rc = 0;

    if (ed == NULL)
        return tiff_io_fail(io, "out of memory");
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    for (size_t i = 0; i < sizeof ifd0_tags / sizeof ifd0_tags[0]; i++)
        copy_tag(tif, ed, EXIF_IFD_0, ifd0_tags[i]);
    if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &orient)
        && (e = add_entry(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1)))
        exif_set_short(e->data, exif_data_get_byte_order(ed), orient);
    if (TIFFGetField(tif, TIFFTAG_EXIFIFD, &off) && off != 0) {
        if (TIFFReadEXIFDirectory(tif, off) && !tiff_io_erred(io))
            for (size_t i = 0; i < sizeof exif_tags / sizeof exif_tags[0]; i++)
                copy_tag(tif, ed, EXIF_IFD_EXIF, exif_tags[i]);
        io->said[0] = '\0';    /* a damaged sub-IFD is left out, not fatal */
        if (!TIFFSetDirectory(tif, (tdir_t)page) || tiff_io_erred(io))
            rc = tiff_io_fail(io, "cannot return to page %u after its Exif", (unsigned)page);
    }
    if (rc == 0 && (ed->ifd[EXIF_IFD_0]->count > 0 || ed->ifd[EXIF_IFD_EXIF]->count > 0))
        rc = save(ed, io, meta);
    exif_data_unref(ed);
    return rc;
}

/* set_tag - sets tag in libtiff's current directory from entry e; returns
 * nothing (entries of another shape than libtiff's field are skipped). */
static void set_tag(TIFF *tif, ExifEntry *e, ExifByteOrder bo)
{
    const TIFFField *fip = TIFFFieldWithTag(tif, e->tag);

    if (fip == NULL || e->data == NULL || e->components == 0)
        return;
    switch (TIFFFieldDataType(fip)) {
    case TIFF_ASCII:
        if (e->format == EXIF_FORMAT_ASCII && memchr(e->data, 0, e->size))
            TIFFSetField(tif, e->tag, (const char *)e->data);
        break;
    case TIFF_SHORT:
        if (e->format != EXIF_FORMAT_SHORT)
            break;
        if (TIFFFieldPassCount(fip)) {
            uint16_t v[16];
            unsigned n = e->components < 16 ? e->components : 16;
            for (unsigned i = 0; i < n; i++)
                v[i] = exif_get_short(e->data + 2 * i, bo);
            TIFFSetField(tif, e->tag, (uint16_t)n, v);
        } else {
            TIFFSetField(tif, e->tag, (int)exif_get_short(e->data, bo));
        }
        break;
    case TIFF_LONG:
        if (e->format == EXIF_FORMAT_LONG && !TIFFFieldPassCount(fip))
            TIFFSetField(tif, e->tag, (uint32_t)exif_get_long(e->data, bo));
        break;
    case TIFF_RATIONAL:
        if (e->format == EXIF_FORMAT_RATIONAL && !TIFFFieldPassCount(fip)) {
            ExifRational r = exif_get_rational(e->data, bo);
            if (r.denominator)
                TIFFSetField(tif, e->tag, (double)r.numerator / r.denominator);
        }
        break;
    case TIFF_SRATIONAL:
        if (e->format == EXIF_FORMAT_SRATIONAL && !TIFFFieldPassCount(fip)) {
            ExifSRational r = exif_get_srational(e->data, bo);
            if (r.denominator)
                TIFFSetField(tif, e->tag, (double)r.numerator / r.denominator);
        }
        break;
    case TIFF_UNDEFINED:
        if (e->format == EXIF_FORMAT_UNDEFINED && TIFFFieldPassCount(fip)
            && TIFFFieldReadCount(fip) == TIFF_VARIABLE2)
            TIFFSetField(tif, e->tag, (uint32_t)e->size, e->data);
        break;
    default:
        break;
    }
}

/* set_listed - sets the tags of list found in content; returns how many. */
static int set_listed(TIFF *tif, ExifContent *content, ExifByteOrder bo,
                      const uint32_t *list, size_t n)
{
    int count = 0;

    for (size_t i = 0; i < n; i++) {
        ExifEntry *e = exif_content_get_entry(content, (ExifTag)list[i]);
        if (e != NULL) {
            set_tag(tif, e, bo);
            count++;
        }
    }
    return count;
}

/* load - returns the Exif block parsed by libexif, or NULL. */
static ExifData *load(const uint8_t *exif, uint32_t len)
{
    uint8_t *copy = malloc((size_t)len + sizeof exif_prefix);
    ExifData *ed = copy ? exif_data_new() : NULL;

    if (ed != NULL) {
        exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
        exif_data_set_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
        memcpy(copy, exif_prefix, sizeof exif_prefix);
        memcpy(copy + sizeof exif_prefix, exif, len);
        exif_data_load_data(ed, copy, len + (unsigned)sizeof exif_prefix);
    }
    free(copy);
    return ed;
}

/* tiff_exif_write - returns 0 with the EXIF IFD written and the image's
 * directory started, or -1. */
int tiff_exif_write(TIFF *tif, struct tiff_io *io, const uint8_t *exif, uint32_t len)
{
    ExifData *ed = load(exif, len);
    ExifByteOrder bo;
    uint64_t off = 0;
    ExifEntry *e;

    if (ed == NULL)
        return 0;
    bo = exif_data_get_byte_order(ed);
    if (ed->ifd[EXIF_IFD_EXIF]->count > 0) {
        if (TIFFCreateEXIFDirectory(tif) != 0)
            return exif_data_unref(ed), tiff_io_fail(io, "cannot create the EXIF directory");
        if (set_listed(tif, ed->ifd[EXIF_IFD_EXIF], bo, exif_tags,
                       sizeof exif_tags / sizeof exif_tags[0]) > 0
            && (!TIFFWriteCustomDirectory(tif, &off) || tiff_io_erred(io)))
            return exif_data_unref(ed), tiff_io_fail(io, "cannot write the EXIF directory");
        TIFFFreeDirectory(tif);
        TIFFCreateDirectory(tif);
    }
    set_listed(tif, ed->ifd[EXIF_IFD_0], bo, ifd0_tags, sizeof ifd0_tags / sizeof ifd0_tags[0]);
    e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->data
        && exif_get_short(e->data, bo) >= 1 && exif_get_short(e->data, bo) <= 8)
        TIFFSetField(tif, TIFFTAG_ORIENTATION, (int)exif_get_short(e->data, bo));
    if (off != 0)
        TIFFSetField(tif, TIFFTAG_EXIFIFD, off);
    exif_data_unref(ed);
    return 0;
}
