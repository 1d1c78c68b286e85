/*
 * image_tiff.h - what the TIFF reader and writer share: libtiff opened on
 * a caller's FILE, with libtiff's messages caught.
 *
 * NAME
 *	tiff_io - one TIFF handle's I/O and error context
 * SUMMARY
 *	tiff_io_open() opens libtiff (TIFFClientOpenExt) on a FILE that stays
 *	the caller's: the close procedure never closes it.  libtiff's first
 *	error is kept (io->said) and ends the message of the step that failed,
 *	"NAME: tiff: cannot read row 7: MESSAGE", in the err of the entry
 *	point running (io->err); the first warning is kept apart.  Neither is
 *	ever printed, as libtiff's default handlers would (to stderr).
 */
#ifndef TS_IMAGE_TIFF_H
#define TS_IMAGE_TIFF_H

#include "image_impl.h"

#include <tiffio.h>

/* the largest single allocation libtiff may make for one handle */
#define TIFF_MAX_ALLOC ((tmsize_t)256 << 20)

struct tiff_io {
    FILE *f;
    const char *name;
    char *err;              /* the err of the current entry point */
    int failed;             /* an error is in err: later ones are dropped */
    char said[160];         /* libtiff's first error since cleared, or "" */
    char warning[160];      /* libtiff's first warning, or "" */
};

/* tiff_io_open - returns libtiff's handle on io->f (mode "r" or "w",
 * "w8" for BigTIFF), or NULL with io->err filled. */
TIFF *tiff_io_open(struct tiff_io *io, const char *mode);

/* tiff_io_erred - returns 1 if libtiff has reported an error (or a write
 * failed) since io->said was last cleared, else 0. */
int tiff_io_erred(const struct tiff_io *io);

/* tiff_io_fail - returns -1; fills io->err with "NAME: tiff: WHAT" and
 * libtiff's error after a colon, unless an error is already there. */
int tiff_io_fail(struct tiff_io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tiff_exif_read - builds meta->exif (a TIFF structure, by libexif) from
 * the current page's descriptive tags and its EXIF sub-IFD, then makes
 * `page` current again.  An unreadable sub-IFD is left out.  Returns 0,
 * or -1 with io->err filled. */
int tiff_exif_read(TIFF *tif, struct tiff_io *io, uint32_t page, struct img_meta *meta);

/* tiff_exif_write - writes the Exif block's EXIF sub-IFD (before any
 * image data: it ends the directory being built, so call it first) and
 * starts the image's directory with the block's descriptive IFD0 tags and
 * TIFFTAG_EXIFIFD.  A block libexif cannot parse is skipped.  Returns 0,
 * or -1 with io->err filled. */
int tiff_exif_write(TIFF *tif, struct tiff_io *io, const uint8_t *exif, uint32_t len);

extern void *tiff_read_open(FILE *f, const char *name, const struct img_open_opts *o,
                            struct img_info *info, struct img_meta *meta, char *err);
extern int tiff_read_rows(void *st, uint8_t *buf, uint32_t nrows, char *err);
extern void tiff_read_close(void *st);
extern void *tiff_write_create(FILE *f, const char *name, uint32_t width, uint32_t height,
                               int channels, const struct img_write_opts *o, char *err);
extern int tiff_write_rows(void *st, const uint8_t *buf, uint32_t nrows, char *err);
extern int tiff_write_finish(void *st, char *err);
extern void tiff_write_abandon(void *st);

#endif
