/*
 * image_webp.c - the webp codec (being written; refuses every file until then).
 */
#include "image_impl.h"
#include "err.h"

static void *webp_open(FILE *f, const char *name, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    (void)f; (void)o; (void)info; (void)meta;
    errf(err, "%s: webp: not supported yet", name);
    return NULL;
}

static int webp_read(void *st, uint8_t *buf, uint32_t nrows, char *err)
{
    (void)st; (void)buf; (void)nrows;
    return errf(err, "webp: not supported yet");
}

static void webp_close(void *st)
{
    (void)st;
}

const struct img_codec img_webp_codec = {
    webp_open, webp_read, webp_close, NULL, NULL, NULL, NULL,
};
