/*
 * image_tiff.c - the TIFF entry of the codec table, and libtiff's I/O and
 * message procedures on a caller's FILE.
 *
 * NAME
 *	img_tiff_codec - TIFF and BigTIFF on libtiff 4.5 (image_tiff_read.c,
 *	image_tiff_write.c)
 * SUMMARY
 *	libtiff is opened with TIFFClientOpenExt and a TIFFOpenOptions that
 *	carries our error and warning handlers (per handle: libtiff's global
 *	handlers, which print to stderr, are never reached, since ours return
 *	1) and a cap on any one allocation (TIFF_MAX_ALLOC), so that a file
 *	declaring absurd strip tables or sizes is refused, not obeyed.
 *	Memory mapping is off ("m"): the FILE may be a pipe's copy in memory
 *	(fmemopen in the fuzz target) and reads go through stdio either way.
 * DESCRIPTION
 *	The size procedure seeks to the end and back instead of fstat(), so
 *	a FILE without a descriptor works too.  A failed fwrite() fills err
 *	with strerror(errno) at once, before libtiff's own vaguer message.
 *	libtiff's own messages sometimes begin with the file name: it is
 *	taken off, since ours begin with it.
 * DIAGNOSTICS
 *	"NAME: tiff: MESSAGE", MESSAGE being libtiff's text or ours.
 */
#include "image_tiff.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* on_read - libtiff read procedure: returns the bytes read. */
static tmsize_t on_read(thandle_t h, void *buf, tmsize_t n)
{
    struct tiff_io *io = h;

    return (tmsize_t)fread(buf, 1, (size_t)n, io->f);
}

/* on_write - libtiff write procedure: returns the bytes written. */
static tmsize_t on_write(thandle_t h, void *buf, tmsize_t n)
{
    struct tiff_io *io = h;
    size_t done = fwrite(buf, 1, (size_t)n, io->f);

    if (done != (size_t)n && !io->failed) {
        errf_sys(io->err, "%s: tiff: write", io->name);
        io->failed = 1;
    }
    return (tmsize_t)done;
}

/* on_seek - libtiff seek procedure: returns the new offset, or -1. */
static toff_t on_seek(thandle_t h, toff_t off, int whence)
{
    struct tiff_io *io = h;

    if (off > (toff_t)INT64_MAX || fseeko(io->f, (off_t)off, whence) != 0)
        return (toff_t)-1;
    return (toff_t)ftello(io->f);
}

/* on_close - libtiff close procedure: the FILE is the caller's; returns 0. */
static int on_close(thandle_t h)
{
    (void)h;
    return 0;
}

/* on_size - libtiff size procedure: returns the file's size, or 0. */
static toff_t on_size(thandle_t h)
{
    struct tiff_io *io = h;
    off_t at = ftello(io->f), end;

    if (at < 0 || fseeko(io->f, 0, SEEK_END) != 0)
        return 0;
    end = ftello(io->f);
    if (fseeko(io->f, at, SEEK_SET) != 0 || end < 0)
        return 0;
    return (toff_t)end;
}

/* on_map - libtiff map procedure: no mapping; returns 0. */
static int on_map(thandle_t h, void **base, toff_t *size)
{
    (void)h;
    (void)base;
    (void)size;
    return 0;
}

/* on_unmap - libtiff unmap procedure: nothing mapped; returns nothing. */
static void on_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

/* on_error - libtiff error handler: keeps the first error; returns 1
 * (handled: libtiff's global handler is not called). */
static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    struct tiff_io *io = user;
    size_t n = strlen(io->name);

    (void)tif;
    (void)module;
    if (io->said[0] != '\0')
        return 1;
    vsnprintf(io->said, sizeof io->said, fmt, ap);
    /* some messages start with the file's name, which ours already has */
    if (strncmp(io->said, io->name, n) == 0 && strncmp(io->said + n, ": ", 2) == 0)
        memmove(io->said, io->said + n + 2, strlen(io->said + n + 2) + 1);
    return 1;
}

/* on_warning - libtiff warning handler: keeps the first warning; returns 1. */
static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    struct tiff_io *io = user;

    (void)tif;
    (void)module;
    if (io->warning[0] == '\0')
        vsnprintf(io->warning, sizeof io->warning, fmt, ap);
    return 1;
}

/* tiff_io_erred - returns 1 after a libtiff error or a failed write, else 0. */
int tiff_io_erred(const struct tiff_io *io)
{
    return io->failed || io->said[0] != '\0';
}

/* tiff_io_fail - returns -1 with io->err filled unless already filled. */
int tiff_io_fail(struct tiff_io *io, const char *fmt, ...)
{
    char msg[ERR_MAX / 2];
    va_list ap;

    if (io->failed)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errf(io->err, "%s: tiff: %s%s%s", io->name, msg, io->said[0] ? ": " : "", io->said);
    io->failed = 1;
    return -1;
}

/* tiff_io_open - returns libtiff's handle on io->f, or NULL. */
TIFF *tiff_io_open(struct tiff_io *io, const char *mode)
{
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    char m[8];
    TIFF *tif;

    if (opts == NULL) {
        tiff_io_fail(io, "out of memory");
        return NULL;
    }
    snprintf(m, sizeof m, "%sm", mode);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_ALLOC);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, io);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, io);
    tif = TIFFClientOpenExt(io->name, m, (thandle_t)io, on_read, on_write, on_seek,
                            on_close, on_size, on_map, on_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (tif == NULL && io->said[0] == '\0')
        snprintf(io->said, sizeof io->said, "%s", io->warning);
    if (tif == NULL)
        tiff_io_fail(io, "cannot open");
    return tif;
}

const struct img_codec img_tiff_codec = {
    tiff_read_open, tiff_read_rows, tiff_read_close,
    tiff_write_create, tiff_write_rows, tiff_write_finish, tiff_write_abandon,
};
