/*
 * image_tiff.c - the tiff codec (being written; refuses every file until then).
 */
#include "image_impl.h"
#include "err.h"

static void *tiff_open(FILE *f, const char *name, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    (void)f; (void)o; (void)info; (void)meta;
    errf(err, "%s: tiff: not supported yet", name);
    return NULL;
}

static int tiff_read(void *st, uint8_t *buf, uint32_t nrows, char *err)
{
    (void)st; (void)buf; (void)nrows;
    return errf(err, "tiff: not supported yet");
}

static void tiff_close(void *st)
{
    (void)st;
}

const struct img_codec img_tiff_codec = {
    tiff_open, tiff_read, tiff_close, NULL, NULL, NULL, NULL,
};
