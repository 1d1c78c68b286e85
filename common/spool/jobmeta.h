/*
 * jobmeta.h - the input's metadata in the spool: SPOOL/<job>/meta/icc.icc
 * (the ICC profile), meta/exif.tiff (Exif as a TIFF structure) and
 * meta/xmp.xml (the XMP packet), one file for each block the input has,
 * written by the splitter before job.json and read by the assembler.
 * job.json's source.meta holds each file's content hash and the
 * resolution (manifest.h), so a file changed since the split is refused.
 */
#ifndef TS_JOBMETA_H
#define TS_JOBMETA_H

#include "manifest.h"

#define JOBMETA_ICC "icc.icc"
#define JOBMETA_EXIF "exif.tiff"
#define JOBMETA_XMP "xmp.xml"

/* jobmeta_save - write meta's blocks into jobdir/meta/ (tmp + rename;
 * only those present, meta/ only if any is) and record their hashes and
 * the resolution in *mm.  With upright (the splitter turned the pixels
 * upright) the stored Exif's IFD0 Orientation is 1.  Returns 0 or -1
 * with err. */
int jobmeta_save(const char *jobdir, const struct img_meta *meta, int upright,
                 struct manifest_meta *mm, char *err);

/* jobmeta_load - the blocks mm records, read from jobdir/meta/ into
 * *meta (which the caller frees with img_meta_free), and the resolution.
 * Returns 0; ERR_BAD_INPUT with err when a file is missing, is no regular
 * file, is over IMG_META_MAX or does not match its hash; ERR_SYSTEM with
 * err on a read error.  *meta is empty after a failure. */
int jobmeta_load(const char *jobdir, const struct manifest_meta *mm, struct img_meta *meta,
                 char *err);

#endif
