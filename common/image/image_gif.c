/*
 * image_gif.c - the gif codec (being written; refuses every file until then).
 */
#include "image_impl.h"
#include "err.h"

static void *gif_open(FILE *f, const char *name, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    (void)f; (void)o; (void)info; (void)meta;
    errf(err, "%s: gif: not supported yet", name);
    return NULL;
}

static int gif_read(void *st, uint8_t *buf, uint32_t nrows, char *err)
{
    (void)st; (void)buf; (void)nrows;
    return errf(err, "gif: not supported yet");
}

static void gif_close(void *st)
{
    (void)st;
}

const struct img_codec img_gif_codec = {
    gif_open, gif_read, gif_close, NULL, NULL, NULL, NULL,
};
