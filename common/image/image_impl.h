/*
 * image_impl.h - what image.c shares with the per-format codec modules.
 *
 * NAME
 *	image_impl - codec table behind img_open() and img_create()
 * SUMMARY
 *	Each format module (image_png.c, image_jpeg.c, image_pnm.c) exports
 *	one `struct img_codec`.  image.c opens the input file, sniffs the
 *	magic bytes, rewinds, and hands the FILE to the codec; it also keeps
 *	the row count, so a codec's read/write is never asked for more rows
 *	than remain and its `nrows` is always at least 1.
 * DESCRIPTION
 *	`name` pointers given to a codec stay valid until its close/finish/
 *	abandon (image.c owns the copy).  Codec state is opaque (void *).
 *	Every codec normalises to the layout in image.h and fills err with
 *	"NAME: png: ...", "NAME: jpeg: ..." or "NAME: pnm: ..." on failure.
 *	finish() frees its state whether or not it succeeds.
 */
#ifndef TS_IMAGE_IMPL_H
#define TS_IMAGE_IMPL_H

#include "image.h"

struct img_codec {
    /* open - read the header from f (at offset 0) into *info; NULL on
     * error.  o is never NULL; info arrives zeroed and the codec fills
     * what it knows (depth, orientation, shrink, full size: image.c
     * fills in 8, 1, 1 and width/height where the codec left 0).  meta
     * arrives zeroed, owned by image.c: the codec fills (img_meta_set)
     * the blocks it finds before the pixel data. */
    void *(*open)(FILE *f, const char *name, const struct img_open_opts *o,
                  struct img_info *info, struct img_meta *meta, char *err);
    /* read - decode the next nrows rows into buf; 0 or -1 */
    int (*read)(void *st, uint8_t *buf, uint32_t nrows, char *err);
    /* close - free everything, never touching the FILE */
    void (*close)(void *st);
    /* create - start an image in f; opts already validated, depth 8 or
     * 16 (never 0); NULL on error */
    void *(*create)(FILE *f, const char *name, uint32_t width, uint32_t height,
                    int channels, const struct img_write_opts *o, char *err);
    /* write - encode the next nrows rows; 0 or -1 */
    int (*write)(void *st, const uint8_t *buf, uint32_t nrows, char *err);
    /* finish - write the trailer and free st; 0 or -1 */
    int (*finish)(void *st, char *err);
    /* abandon - free st without finishing */
    void (*abandon)(void *st);
};

extern const struct img_codec img_png_codec;
extern const struct img_codec img_jpeg_codec;
extern const struct img_codec img_pnm_codec;
extern const struct img_codec img_tiff_codec;
extern const struct img_codec img_webp_codec;
extern const struct img_codec img_gif_codec;     /* read only: create is NULL */

/* img_check_pixels - 0 if width*height <= max_pixels (0 = no limit),
 * else -1 with the one pixel-limit message every codec uses. */
int img_check_pixels(const char *name, uint32_t width, uint32_t height,
                     uint64_t max_pixels, char *err);

/* img_exif_orientation - the IFD0 orientation of an Exif block: data is
 * a JPEG APP1 payload ("Exif\0\0" and the TIFF structure), or with
 * tiff_only a PNG eXIf chunk (the TIFF structure alone).  Returns 1-8
 * (1 when the block has no orientation), or -1 if the block is malformed
 * (then the image counts as orientation 1).  Never fails otherwise. */
int img_exif_orientation(const uint8_t *data, size_t len, int tiff_only);

#endif
