/*
 * image_exif.c - the EXIF orientation of a JPEG APP1 or PNG eXIf block.
 *
 * NAME
 *	img_exif_orientation - parse an Exif block with libexif
 *	img_exif_set_orientation - set its IFD0 orientation, in place
 * SUMMARY
 *	The readers hand over the raw block: a JPEG APP1 payload starts with
 *	"Exif\0\0" and then the TIFF structure; a PNG eXIf chunk holds the
 *	TIFF structure alone, so the prefix libexif expects is put in front.
 *	Only IFD0's Orientation tag is looked at; the block itself is carried
 *	to the output by the codecs (struct img_meta), and once the splitter
 *	has turned the pixels upright it sets that tag to 1 with
 *	img_exif_set_orientation, which rewrites the tag's two bytes in place
 *	rather than re-saving the block through libexif, so that nothing
 *	else of it (maker notes, offsets, tags libexif does not know) moves.
 * DESCRIPTION
 *	libexif reports damage only through its log, and a block cut inside
 *	IFD0 only as a debug message, so two checks decide: the TIFF header
 *	and IFD0's entry table must lie inside the block (checked here before
 *	libexif sees it), and a log function counts libexif's messages of
 *	kind "corrupt data" and "no memory".  Any failure, or an Orientation
 *	tag that is not one SHORT of 1-8, makes the block malformed.  A
 *	malformed block never stops the image from being read: its
 *	orientation is taken as 1 and the reader notes "malformed Exif" in
 *	the image's metadata text.
 *
 *	libexif's option FOLLOW_SPECIFICATION is turned off: with it,
 *	loading "repairs" the data, adding missing mandatory tags with
 *	default values, which could invent an Orientation the file lacks.
 *	Maker notes are left uninterpreted as far as libexif allows.
 * DIAGNOSTICS
 *	None: the result says everything (see image_impl.h).
 */
#include "image_impl.h"

#include <assert.h>
#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t exif_prefix[6] = { 'E', 'x', 'i', 'f', 0, 0 };

/* on_log - libexif log function: counts damage reports in *data; returns nothing. */
static void on_log(ExifLog *log, ExifLogCode code, const char *domain,
                   const char *format, va_list args, void *data)
{
    int *bad = data;

    (void)log;
    (void)domain;
    (void)format;
    (void)args;
    if (code == EXIF_LOG_CODE_CORRUPT_DATA || code == EXIF_LOG_CODE_NO_MEMORY)
        (*bad)++;
}

/* orientation_of - returns ed's IFD0 orientation 1-8, 0 if it has none,
 * or -1 if the tag is not one SHORT of 1-8. */
static int orientation_of(ExifData *ed)
{
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    ExifShort v;

    if (e == NULL)
        return 0;
    if (e->format != EXIF_FORMAT_SHORT || e->components != 1
        || e->data == NULL || e->size < 2)
        return -1;
    v = exif_get_short(e->data, exif_data_get_byte_order(ed));
    return v >= 1 && v <= 8 ? (int)v : -1;
}

/* get16 - returns the 16-bit number at p in the TIFF byte order. */
static uint32_t get16(const uint8_t *p, int motorola)
{
    return motorola ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

/* ifd0_fits - returns 1 if tiff (len bytes) has a TIFF header whose IFD0
 * entry table lies inside it, else 0. */
static int ifd0_fits(const uint8_t *tiff, size_t len)
{
    int mm;
    uint32_t off;

    if (len < 8 || !((tiff[0] == 'M' && tiff[1] == 'M') || (tiff[0] == 'I' && tiff[1] == 'I')))
        return 0;
    mm = tiff[0] == 'M';
    if (get16(tiff + 2, mm) != 42)
        return 0;
    off = mm ? get16(tiff + 4, 1) << 16 | get16(tiff + 6, 1)
             : get16(tiff + 6, 0) << 16 | get16(tiff + 4, 0);
    if (off < 8 || off > len - 2)
        return 0;
    return (uint64_t)off + 2 + 12 * (uint64_t)get16(tiff + off, mm) <= len;
}

/* parse - returns the orientation of an "Exif\0\0"-prefixed block of len
 * bytes: 1-8, 0 without the tag, -1 if malformed or out of memory. */
static int parse(const uint8_t *data, size_t len)
{
    ExifData *ed = exif_data_new();
    ExifLog *log = exif_log_new();
    int bad = 0, rc;

    assert(len >= sizeof exif_prefix);
    if (ed == NULL || log == NULL || len > UINT32_MAX
        || !ifd0_fits(data + sizeof exif_prefix, len - sizeof exif_prefix)) {
        rc = -1;
        goto done;
    }
    exif_log_set_func(log, on_log, &bad);
    exif_data_log(ed, log);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
    exif_data_load_data(ed, data, (unsigned int)len);
    rc = orientation_of(ed);
    if (bad > 0)
        rc = -1;
done:
    if (ed != NULL)
        exif_data_unref(ed);
    if (log != NULL)
        exif_log_unref(log);
    return rc;
}

/* img_exif_orientation - returns the orientation 1-8 of an Exif block
 * (1 if it has none), or -1 if the block is malformed. */
int img_exif_orientation(const uint8_t *data, size_t len, int tiff_only)
{
    uint8_t *copy;
    int rc;

    if (!tiff_only) {
        if (len < sizeof exif_prefix || memcmp(data, exif_prefix, sizeof exif_prefix) != 0)
            return -1;
        rc = parse(data, len);
    } else {
        if (len > SIZE_MAX - sizeof exif_prefix
            || (copy = malloc(len + sizeof exif_prefix)) == NULL)
            return -1;
        memcpy(copy, exif_prefix, sizeof exif_prefix);
        memcpy(copy + sizeof exif_prefix, data, len);
        rc = parse(copy, len + sizeof exif_prefix);
        free(copy);
    }
    return rc == 0 ? 1 : rc;
}

/* img_exif_set_orientation - returns 1 once IFD0's Orientation is o, 0
 * if the block has no such tag, -1 if it is malformed. */
int img_exif_set_orientation(uint8_t *tiff, size_t len, int o)
{
    int mm;
    uint32_t off, n;

    assert(o >= 1 && o <= 8);
    if (!ifd0_fits(tiff, len))
        return -1;
    mm = tiff[0] == 'M';
    off = mm ? get16(tiff + 4, 1) << 16 | get16(tiff + 6, 1)
             : get16(tiff + 6, 0) << 16 | get16(tiff + 4, 0);
    n = get16(tiff + off, mm);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = tiff + off + 2 + 12 * i;
        uint32_t count = mm ? get16(e + 4, 1) << 16 | get16(e + 6, 1)
                            : get16(e + 6, 0) << 16 | get16(e + 4, 0);

        if (get16(e, mm) != 0x0112)
            continue;
        /* one SHORT lies in the first two bytes of the value field */
        if (get16(e + 2, mm) != 3 || count != 1)
            return -1;
        e[8 + !mm] = 0;
        e[8 + mm] = (uint8_t)o;
        return 1;
    }
    return 0;
}
