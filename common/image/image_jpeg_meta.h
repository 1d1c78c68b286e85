/*
 * image_jpeg_meta.h - what image_jpeg.c shares with image_jpeg_meta.c:
 * the metadata markers of a JPEG file (APP1 Exif and XMP, APP2 ICC, the
 * JFIF density), read into and written from a struct img_meta.
 */
#ifndef TS_IMAGE_JPEG_META_H
#define TS_IMAGE_JPEG_META_H

#include "image.h"

#include <stdio.h>
#include <jpeglib.h>

/* the longest TIFF structure an APP1 marker holds after "Exif\0\0" */
#define JPEG_EXIF_MAX 65527u
/* the longest standard XMP packet (the rest goes to extended XMP) */
#define JPEG_XMP_MAX 65502u
/* the longest ICC profile: 255 APP2 markers of 65519 bytes */
#define JPEG_ICC_MAX (255u * 65519u)

/* What the APP1 markers read so far said. */
struct jpeg_meta_seen {
    int exif;           /* 0 none, 1 the first was well-formed, -1 it was malformed */
    int xmp;            /* 1 once an XMP packet was seen */
    int orientation;    /* of the first Exif block; 0 = none */
};

/* jpeg_meta_app1 - take one APP1 payload (len bytes): the first Exif
 * block's orientation, and the block itself into meta when well-formed;
 * the first standard XMP packet into meta.  Returns 0, or -1 with err
 * (out of memory). */
int jpeg_meta_app1(struct jpeg_meta_seen *seen, struct img_meta *meta, const uint8_t *data,
                   size_t len, const char *name, char *err);

/* jpeg_meta_read - after jpeg_read_header, with APP2 markers saved whole:
 * the ICC profile and the JFIF density into meta.  Returns 0 or -1 with
 * err; libjpeg errors longjmp. */
int jpeg_meta_read(j_decompress_ptr ci, struct img_meta *meta, const char *name, char *err);

/* jpeg_meta_prepare - before jpeg_start_compress: refuse blocks a JPEG
 * cannot hold (one line naming the block and the limit) and set the JFIF
 * density.  Returns 0 or -1 with err. */
int jpeg_meta_prepare(j_compress_ptr ci, const struct img_meta *m, const char *name,
                      char *err);

/* jpeg_meta_write - after jpeg_start_compress: the Exif, XMP and ICC
 * markers.  libjpeg errors longjmp. */
void jpeg_meta_write(j_compress_ptr ci, const struct img_meta *m);

#endif
