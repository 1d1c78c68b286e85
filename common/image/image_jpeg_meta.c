/*
 * image_jpeg_meta.c - a JPEG file's metadata markers (image_jpeg_meta.h).
 *
 * NAME
 *	jpeg_meta - APP1 Exif and XMP, APP2 ICC and the JFIF density, read
 *	into a struct img_meta and written from one
 * SUMMARY
 *	Exif is the first APP1 marker starting "Exif\0\0": the TIFF structure
 *	after that prefix is kept when libexif finds it well-formed (a
 *	malformed one counts as orientation 1 and is not carried on).  XMP is
 *	the first APP1 starting with the standard namespace and its NUL;
 *	extended XMP (the namespace ".../xmp/extension/") is not read, nor
 *	written.  The ICC profile is libjpeg-turbo's jpeg_read_icc_profile()
 *	over the saved APP2 markers: it joins them by sequence number and
 *	returns nothing when they are inconsistent.  The JFIF density counts
 *	when its unit says dots per inch (1) or per centimetre (2, times
 *	2.54); unit 0 gives only an aspect ratio, so no resolution.
 *
 *	Writing puts APP1 Exif, APP1 XMP and the ICC profile (split by
 *	jpeg_write_icc_profile over as many APP2 markers as it needs) after
 *	the JFIF marker, whose density is the resolution rounded to whole
 *	dots per inch.  A block too long for its marker is refused before
 *	anything is written, never cut or dropped: Exif over 65527 bytes,
 *	XMP over 65502 bytes (standard XMP's limit), ICC over 255 markers.
 * DIAGNOSTICS
 *	"NAME: jpeg: the Exif block of N bytes is over JPEG's limit of M
 *	bytes (one APP1 marker); --strip writes no metadata".
 */
#include "image_impl.h"
#include "image_jpeg_meta.h"
#include "err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t exif_prefix[6] = { 'E', 'x', 'i', 'f', 0, 0 };
static const char xmp_prefix[] = "http://ns.adobe.com/xap/1.0/";   /* and its NUL */

/* jpeg_meta_app1 - returns 0 once the payload is looked at, or -1. */
int jpeg_meta_app1(struct jpeg_meta_seen *seen, struct img_meta *meta, const uint8_t *data,
                   size_t len, const char *name, char *err)
{
    size_t xp = sizeof xmp_prefix;      /* with the NUL */

    if (len >= sizeof exif_prefix && memcmp(data, exif_prefix, sizeof exif_prefix) == 0) {
        int o;

        if (seen->exif != 0)
            return 0;
        o = img_exif_orientation(data, len, 0);
        seen->exif = o > 0 ? 1 : -1;
        seen->orientation = o > 0 ? o : 1;
        if (o < 0)
            return 0;
        return img_meta_set(&meta->exif, &meta->exif_len, data + sizeof exif_prefix,
                            len - sizeof exif_prefix, name, "jpeg: Exif block", err);
    }
    /* a later, cut Exif block still counts as Exif */
    if (len >= 4 && memcmp(data, exif_prefix, 4) == 0) {
        seen->exif = seen->exif != 0 ? seen->exif : 1;
        return 0;
    }
    if (len < xp || memcmp(data, xmp_prefix, xp) != 0 || seen->xmp)
        return 0;
    seen->xmp = 1;
    data += xp;
    len -= xp;
    while (len > 0 && data[len - 1] == '\0')    /* some writers pad the packet */
        len--;
    return img_meta_set(&meta->xmp, &meta->xmp_len, data, len, name, "jpeg: XMP packet", err);
}

/* jpeg_meta_read - returns 0 with the ICC profile and density in meta, or -1. */
int jpeg_meta_read(j_decompress_ptr ci, struct img_meta *meta, const char *name, char *err)
{
    JOCTET *icc = NULL;
    unsigned int icc_len = 0;
    int rc = 0;

    if (jpeg_read_icc_profile(ci, &icc, &icc_len) && icc != NULL)
        rc = img_meta_set(&meta->icc, &meta->icc_len, icc, icc_len, name,
                          "jpeg: ICC profile", err);
    free(icc);
    if (ci->saw_JFIF_marker && ci->X_density > 0 && ci->Y_density > 0
        && (ci->density_unit == 1 || ci->density_unit == 2)) {
        double k = ci->density_unit == 2 ? 2.54 : 1.0;

        meta->xres = ci->X_density * k;
        meta->yres = ci->Y_density * k;
    }
    return rc;
}

/* drop_block - frees a block over max, adding its line to dropped. */
static void drop_block(uint8_t **block, uint32_t *len, uint32_t max, const char *what,
                       char *dropped, size_t n)
{
    size_t used = strlen(dropped);

    if (*block == NULL || (*len > 0 && *len <= max))
        return;
    snprintf(dropped + used, n - used, "%s%s of %u bytes (JPEG holds %u)", used ? ", " : "",
             what, *len, max);
    free(*block);
    *block = NULL;
    *len = 0;
}

/* img_meta_trim - see image.h; only JPEG has limits a block can pass. */
void img_meta_trim(enum img_format fmt, struct img_meta *m, char *dropped, size_t n)
{
    dropped[0] = '\0';
    if (fmt != IMG_JPEG)
        return;
    drop_block(&m->exif, &m->exif_len, JPEG_EXIF_MAX, "Exif block", dropped, n);
    drop_block(&m->xmp, &m->xmp_len, JPEG_XMP_MAX, "XMP packet", dropped, n);
    drop_block(&m->icc, &m->icc_len, JPEG_ICC_MAX, "ICC profile", dropped, n);
}

/* too_long - returns -1 with the one message for a block over its limit. */
static int too_long(const char *name, const char *what, uint32_t len, unsigned max,
                    const char *where, char *err)
{
    return errf(err, "%s: jpeg: the %s of %u bytes is over JPEG's limit of %u bytes (%s);"
                " --strip writes no metadata", name, what, len, max, where);
}

/* density - returns a resolution as JFIF's whole dots per inch, 1..65535. */
static UINT16 density(double ppi)
{
    long v = lround(ppi);

    return (UINT16)(v < 1 ? 1 : v > 65535 ? 65535 : v);
}

/* jpeg_meta_prepare - returns 0 with the density set, or -1 if a block
 * cannot be written. */
int jpeg_meta_prepare(j_compress_ptr ci, const struct img_meta *m, const char *name,
                      char *err)
{
    if (m->exif != NULL && m->exif_len > JPEG_EXIF_MAX)
        return too_long(name, "Exif block", m->exif_len, JPEG_EXIF_MAX, "one APP1 marker",
                        err);
    if (m->xmp != NULL && m->xmp_len > JPEG_XMP_MAX)
        return too_long(name, "XMP packet", m->xmp_len, JPEG_XMP_MAX,
                        "standard XMP, one APP1 marker", err);
    if (m->icc != NULL && (m->icc_len == 0 || m->icc_len > JPEG_ICC_MAX))
        return too_long(name, "ICC profile", m->icc_len, JPEG_ICC_MAX, "255 APP2 markers",
                        err);
    if (m->xres > 0 && m->yres > 0) {
        ci->write_JFIF_header = TRUE;
        ci->density_unit = 1;
        ci->X_density = density(m->xres);
        ci->Y_density = density(m->yres);
    }
    return 0;
}

/* write_app1 - writes one APP1 marker of prefix (plen bytes) and data;
 * returns nothing.  libjpeg errors longjmp. */
static void write_app1(j_compress_ptr ci, const void *prefix, size_t plen,
                       const uint8_t *data, uint32_t len)
{
    const uint8_t *p = prefix;

    jpeg_write_m_header(ci, JPEG_APP0 + 1, (unsigned int)(plen + len));
    for (size_t i = 0; i < plen; i++)
        jpeg_write_m_byte(ci, p[i]);
    for (uint32_t i = 0; i < len; i++)
        jpeg_write_m_byte(ci, data[i]);
}

/* jpeg_meta_write - writes m's markers; returns nothing.  Errors longjmp. */
void jpeg_meta_write(j_compress_ptr ci, const struct img_meta *m)
{
    if (m->exif != NULL)
        write_app1(ci, exif_prefix, sizeof exif_prefix, m->exif, m->exif_len);
    if (m->xmp != NULL)
        write_app1(ci, xmp_prefix, sizeof xmp_prefix, m->xmp, m->xmp_len);
    if (m->icc != NULL)
        jpeg_write_icc_profile(ci, m->icc, m->icc_len);
}
