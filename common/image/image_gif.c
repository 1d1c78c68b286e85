/*
 * image_gif.c - GIF decoder (giflib); GIF is read only.
 *
 * NAME
 *	img_gif_codec - the GIF entry of the codec table (image_impl.h)
 * SUMMARY
 *	giflib reads from the FILE image.c owns, through a read function.
 *	open walks the file's records one at a time (never DGifSlurp, which
 *	would hold every frame) up to the image descriptor of frame o->page
 *	(0 the first), skipping the LZW data of the frames before it without
 *	decoding it and keeping nothing of them, and notes the transparent
 *	index of the Graphic Control Extension before that frame.  At most
 *	GIF_RECORDS_MAX records are walked, so a file of endless empty
 *	extensions or frames ends in one error.  The logical screen is the
 *	image's size, checked against max_pixels before anything is
 *	allocated; the frame must lie inside it.
 *
 *	The first read decodes the frame (de-interlacing the four passes)
 *	onto a canvas of the screen's size, its palette (the local one, else
 *	the global one) expanded to RGB, or RGBA with alpha 0 at the
 *	transparent index when the frame has one.  Canvas pixels outside the
 *	frame are transparent in that case, else the background colour
 *	(black without a global palette).  An index past the palette's end is
 *	black.  The frame's own pixels only: an animation's earlier frames are
 *	not composed under it.  Rows are then served from the canvas.
 * DIAGNOSTICS
 *	"NAME: gif: ..." with giflib's reason for corrupt or truncated data.
 */
#include "image_impl.h"
#include "err.h"

#include <assert.h>
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

#define GIF_RECORDS_MAX (1u << 20)  /* extensions and frames walked, at most */

struct gifr {
    const char *name;
    GifFileType *gif;
    uint32_t w, h;                  /* the logical screen */
    int ch;                         /* 3, or 4 with a transparent index */
    int trans;                      /* the transparent index, or -1 */
    uint8_t *pix;                   /* the canvas, after the first read */
    uint32_t next;                  /* next row served */
};

/* gif_input - giflib's read function over the FILE; returns the bytes read. */
static int gif_input(GifFileType *g, GifByteType *buf, int n)
{
    return n > 0 ? (int)fread(buf, 1, (size_t)n, (FILE *)g->UserData) : 0;
}

/* gif_fail - fills err with giflib's reason; returns -1. */
static int gif_fail(const struct gifr *st, const char *doing, char *err)
{
    const char *why = GifErrorString(st->gif->Error);

    return errf(err, "%s: gif: %s: %s", st->name, doing, why ? why : "unknown error");
}

/* skip_extension - reads one extension, noting a Graphic Control
 * Extension's transparent index in st->trans; returns 0, or -1. */
static int skip_extension(struct gifr *st, char *err)
{
    int code;
    GifByteType *b;

    if (DGifGetExtension(st->gif, &code, &b) == GIF_ERROR)
        return gif_fail(st, "bad extension", err);
    if (code == GRAPHICS_EXT_FUNC_CODE && b != NULL && b[0] >= 4)
        st->trans = (b[1] & 1) ? b[4] : -1;
    while (b != NULL)
        if (DGifGetExtensionNext(st->gif, &b) == GIF_ERROR)
            return gif_fail(st, "bad extension", err);
    return 0;
}

/* skip_frame - reads past the LZW data of the frame whose descriptor was
 * just read; returns 0, or -1. */
static int skip_frame(struct gifr *st, char *err)
{
    int size;
    GifByteType *b;

    if (DGifGetCode(st->gif, &size, &b) == GIF_ERROR)
        return gif_fail(st, "bad image data", err);
    while (b != NULL)
        if (DGifGetCodeNext(st->gif, &b) == GIF_ERROR)
            return gif_fail(st, "bad image data", err);
    return 0;
}

/* find_frame - walks the records up to frame `page`'s descriptor;
 * returns 0, or -1. */
static int find_frame(struct gifr *st, uint32_t page, char *err)
{
    GifRecordType type;
    uint32_t frame = 0;

    for (uint32_t n = 0; n < GIF_RECORDS_MAX; n++) {
        if (DGifGetRecordType(st->gif, &type) == GIF_ERROR)
            return gif_fail(st, "bad record", err);
        if (type == TERMINATE_RECORD_TYPE)
            return errf(err, "%s: gif: frame %u is not there: the file has %u frame%s",
                        st->name, page, frame, frame == 1 ? "" : "s");
        if (type == EXTENSION_RECORD_TYPE) {
            if (skip_extension(st, err) < 0)
                return -1;
            continue;
        }
        if (type != IMAGE_DESC_RECORD_TYPE)
            return errf(err, "%s: gif: unknown record", st->name);
        /* the header alone: DGifGetImageDesc would keep a copy per frame */
        if (DGifGetImageHeader(st->gif) == GIF_ERROR)
            return gif_fail(st, "bad image descriptor", err);
        if (frame++ == page)
            return 0;
        if (skip_frame(st, err) < 0)
            return -1;
        st->trans = -1;     /* a control extension applies to one frame */
    }
    return errf(err, "%s: gif: more than %u records before frame %u: refused", st->name,
                GIF_RECORDS_MAX, page);
}

/* gifr_close - frees a GIF reader (the FILE stays open); returns nothing. */
static void gifr_close(void *p)
{
    struct gifr *st = p;
    int e;

    if (st == NULL)
        return;
    if (st->gif != NULL)
        DGifCloseFile(st->gif, &e);
    free(st->pix);
    free(st);
}

/* gifr_open - returns a GIF reader at frame o->page with *info filled, or NULL. */
static void *gifr_open(FILE *f, const char *name, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    struct gifr *st = calloc(1, sizeof *st);
    int e = 0;

    (void)meta;     /* GIF holds no ICC, Exif or XMP this reader keeps */
    if (st == NULL) {
        errf(err, "%s: gif: out of memory", name);
        return NULL;
    }
    st->name = name;
    st->trans = -1;
    if ((st->gif = DGifOpen(f, gif_input, &e)) == NULL) {
        errf(err, "%s: gif: %s", name, GifErrorString(e) ? GifErrorString(e) : "cannot open");
        goto fail;
    }
    st->w = (uint32_t)st->gif->SWidth;
    st->h = (uint32_t)st->gif->SHeight;
    if (st->w == 0 || st->h == 0) {
        errf(err, "%s: gif: the logical screen is %ux%u", name, st->w, st->h);
        goto fail;
    }
    if (img_check_pixels(name, st->w, st->h, o->max_pixels, err) < 0
        || find_frame(st, o->page, err) < 0)
        goto fail;
    const GifImageDesc *d = &st->gif->Image;
    if (d->Left < 0 || d->Top < 0 || d->Width < 0 || d->Height < 0
        || (uint32_t)d->Left + (uint32_t)d->Width > st->w
        || (uint32_t)d->Top + (uint32_t)d->Height > st->h) {
        errf(err, "%s: gif: frame %u (%dx%d at %d,%d) lies outside the %ux%u screen", name,
             o->page, d->Width, d->Height, d->Left, d->Top, st->w, st->h);
        goto fail;
    }
    const ColorMapObject *map = d->ColorMap ? d->ColorMap : st->gif->SColorMap;
    if (map == NULL) {
        errf(err, "%s: gif: frame %u has no palette (neither local nor global)", name, o->page);
        goto fail;
    }
    st->ch = st->trans >= 0 ? 4 : 3;
    info->width = st->w;
    info->height = st->h;
    info->channels = st->ch;
    info->src_depth = map->BitsPerPixel;
    info->interlaced = d->Interlace ? 1 : 0;
    snprintf(info->src_color, sizeof info->src_color, "palette%s",
             st->trans >= 0 ? "+transparency" : "");
    return st;

fail:
    gifr_close(st);
    return NULL;
}

/* put - writes palette entry i (black past the end) into px; returns nothing. */
static void put(const struct gifr *st, const ColorMapObject *map, int i, uint8_t *px)
{
    if (i < map->ColorCount) {
        px[0] = map->Colors[i].Red;
        px[1] = map->Colors[i].Green;
        px[2] = map->Colors[i].Blue;
    } else {
        px[0] = px[1] = px[2] = 0;
    }
    if (st->ch == 4)
        px[3] = i == st->trans ? 0 : 255;
}

/* fill_background - sets every canvas pixel to the background: transparent
 * when the frame has a transparent index, else the global palette's
 * background colour (black without one); returns nothing. */
static void fill_background(struct gifr *st)
{
    const ColorMapObject *g = st->gif->SColorMap;
    size_t n = (size_t)st->w * st->h;
    uint8_t bg[4] = { 0, 0, 0, 0 };

    if (st->ch == 3 && g != NULL)
        put(st, g, st->gif->SBackGroundColor, bg);
    if (bg[0] == 0 && bg[1] == 0 && bg[2] == 0)
        return;     /* calloc's zeros already */
    for (size_t i = 0; i < n; i++)
        memcpy(st->pix + i * (size_t)st->ch, bg, (size_t)st->ch);
}

/* row_of - returns the frame row that the k-th line stored is, de-interlaced. */
static int row_of(int k, int h, int interlaced)
{
    static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };

    if (!interlaced)
        return k;
    for (int pass = 0; pass < 4; pass++) {
        int n = h > start[pass] ? (h - start[pass] + step[pass] - 1) / step[pass] : 0;
        if (k < n)
            return start[pass] + k * step[pass];
        k -= n;
    }
    assert(0);
    return 0;
}

/* decode - decodes the frame onto a new canvas; returns 0, or -1. */
static int decode(struct gifr *st, char *err)
{
    const GifImageDesc *d = &st->gif->Image;
    const ColorMapObject *map = d->ColorMap ? d->ColorMap : st->gif->SColorMap;
    size_t stride = (size_t)st->w * (size_t)st->ch;
    GifPixelType *line = NULL;

    if ((st->pix = calloc(1, stride * st->h)) == NULL
        || (d->Width > 0 && (line = malloc((size_t)d->Width)) == NULL)) {
        return errf(err, "%s: gif: out of memory for %ux%u pixels", st->name, st->w, st->h);
    }
    fill_background(st);
    for (int k = 0; k < d->Height && d->Width > 0; k++) {
        if (DGifGetLine(st->gif, line, d->Width) == GIF_ERROR) {
            free(line);
            return gif_fail(st, "corrupt or truncated image data", err);
        }
        uint8_t *px = st->pix + (size_t)(d->Top + row_of(k, d->Height, d->Interlace)) * stride
                      + (size_t)d->Left * (size_t)st->ch;
        for (int x = 0; x < d->Width; x++, px += st->ch)
            put(st, map, line[x], px);
    }
    free(line);
    return 0;
}

/* gifr_read - returns 0 after copying the next nrows rows into buf, or -1. */
static int gifr_read(void *p, uint8_t *buf, uint32_t nrows, char *err)
{
    struct gifr *st = p;
    size_t stride = (size_t)st->w * (size_t)st->ch;

    if (st->pix == NULL && decode(st, err) < 0)
        return -1;
    assert(st->next + nrows <= st->h);
    memcpy(buf, st->pix + (size_t)st->next * stride, (size_t)nrows * stride);
    st->next += nrows;
    return 0;
}

const struct img_codec img_gif_codec = {
    gifr_open, gifr_read, gifr_close, NULL, NULL, NULL, NULL,
};
