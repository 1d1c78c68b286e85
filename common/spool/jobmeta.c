/*
 * jobmeta.c - the input's metadata blocks in SPOOL/<job>/meta/ (jobmeta.h).
 *
 * The files are the blocks' bytes and nothing else, so a person can open
 * them with the usual tools (exiftool meta/exif.tiff, an ICC viewer, a
 * text editor for the XMP).  They are published like every spool file,
 * through tmp/ and a rename, and read with the spool's open rules: a
 * symbolic link, a FIFO or a device is refused, never followed or
 * waited on, and a file over IMG_META_MAX is refused before it is read.
 */
#include "jobmeta.h"
#include "err.h"
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* save_one - publish n bytes as jobdir/meta/name and hash them into *h;
 * returns 0 or -1. */
static int save_one(const char *jobdir, const char *name, const uint8_t *data, uint32_t n,
                    struct hash *h, char *err)
{
    struct spool_file sf;

    if (hash_buffer(data, n, h, err) < 0 || spool_file_begin(&sf, jobdir, SPOOL_META, name,
                                                              err) < 0)
        return -1;
    if (n > 0 && fwrite(data, 1, n, sf.f) != n) {
        errf_sys(err, "%s: write", sf.tmp);
        spool_file_abort(&sf);
        return -1;
    }
    return spool_file_commit(&sf, err);
}

/* upright_exif - a copy of the Exif block with IFD0's Orientation 1 into
 * *out (the caller frees it); returns 0 or -1. */
static int upright_exif(const struct img_meta *meta, uint8_t **out, char *err)
{
    if ((*out = malloc(meta->exif_len ? meta->exif_len : 1)) == NULL)
        return errf(err, "out of memory for the Exif block (%u bytes)", meta->exif_len);
    memcpy(*out, meta->exif, meta->exif_len);
    /* a block without the tag stays as it is; the reader kept no malformed one */
    img_exif_set_orientation(*out, meta->exif_len, 1);
    return 0;
}

int jobmeta_save(const char *jobdir, const struct img_meta *meta, int upright,
                 struct manifest_meta *mm, char *err)
{
    uint8_t *exif = NULL;
    int rc = 0;

    memset(mm, 0, sizeof *mm);
    if (meta->xres > 0 && meta->yres > 0 && meta->xres <= 1e6 && meta->yres <= 1e6) {
        mm->xres = meta->xres;
        mm->yres = meta->yres;
    }
    if (!meta->icc && !meta->exif && !meta->xmp)
        return 0;
    if (spool_job_create_meta(jobdir, err) < 0)
        return -1;
    if (meta->icc && save_one(jobdir, JOBMETA_ICC, meta->icc, meta->icc_len, &mm->icc, err) < 0)
        return -1;
    mm->has_icc = meta->icc != NULL;
    if (meta->exif && upright && upright_exif(meta, &exif, err) < 0)
        return -1;
    if (meta->exif)
        rc = save_one(jobdir, JOBMETA_EXIF, exif ? exif : meta->exif, meta->exif_len,
                      &mm->exif, err);
    free(exif);
    if (rc < 0)
        return -1;
    mm->has_exif = meta->exif != NULL;
    if (meta->xmp && save_one(jobdir, JOBMETA_XMP, meta->xmp, meta->xmp_len, &mm->xmp, err) < 0)
        return -1;
    mm->has_xmp = meta->xmp != NULL;
    return 0;
}

/* read_all - n bytes from fd into a new buffer *out; returns 0 or -1. */
static int read_all(int fd, const char *path, size_t n, uint8_t **out, char *err)
{
    size_t got = 0;

    if ((*out = malloc(n ? n : 1)) == NULL)
        return errf(err, "%s: out of memory (%zu bytes)", path, n);
    while (got < n) {
        ssize_t r = read(fd, *out + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(*out);
            *out = NULL;
            return r < 0 ? errf_sys(err, "%s: read", path)
                         : errf(err, "%s: shrank while being read", path);
        }
        got += (size_t)r;
    }
    return 0;
}

/* load_one - jobdir/meta/name into (*block, *len), checked against want;
 * returns 0, ERR_BAD_INPUT or ERR_SYSTEM. */
static int load_one(const char *jobdir, const char *name, const struct hash *want,
                    uint8_t **block, uint32_t *len, char *err)
{
    char dir[PATH_MAX], path[PATH_MAX];
    struct stat st;
    struct hash got;
    int fd, rc = 0;

    if (spool_path(dir, jobdir, SPOOL_META, NULL, err) < 0
        || spool_path(path, dir, name, NULL, err) < 0)
        return ERR_SYSTEM;
    if ((fd = spool_open(path, O_RDONLY, err)) < 0) {
        if (fd == -1 && errno == ENOENT)
            return errf(err, "%s: missing, but job.json records it: refused", path),
                   ERR_BAD_INPUT;
        return fd == -2 ? ERR_BAD_INPUT : ERR_SYSTEM;
    }
    if (fstat(fd, &st) < 0)
        rc = errf_sys(err, "%s: fstat", path);
    else if ((uint64_t)st.st_size > IMG_META_MAX)
        rc = (errf(err, "%s: %lld bytes, over the limit of %u bytes: refused", path,
                   (long long)st.st_size, IMG_META_MAX), ERR_BAD_INPUT);
    else if (read_all(fd, path, (size_t)st.st_size, block, err) < 0)
        rc = ERR_SYSTEM;
    close(fd);
    if (rc < 0)
        return rc;
    *len = (uint32_t)st.st_size;
    if (hash_buffer(*block, *len, &got, err) < 0)
        return ERR_SYSTEM;
    if (!hash_equal(&got, want))
        return errf(err, "%s: does not match its hash in job.json (changed since the split):"
                    " refused", path), ERR_BAD_INPUT;
    return 0;
}

int jobmeta_load(const char *jobdir, const struct manifest_meta *mm, struct img_meta *meta,
                 char *err)
{
    int rc = 0;

    memset(meta, 0, sizeof *meta);
    if (mm->has_icc)
        rc = load_one(jobdir, JOBMETA_ICC, &mm->icc, &meta->icc, &meta->icc_len, err);
    if (rc == 0 && mm->has_exif)
        rc = load_one(jobdir, JOBMETA_EXIF, &mm->exif, &meta->exif, &meta->exif_len, err);
    if (rc == 0 && mm->has_xmp)
        rc = load_one(jobdir, JOBMETA_XMP, &mm->xmp, &meta->xmp, &meta->xmp_len, err);
    if (rc < 0) {
        img_meta_free(meta);
        return rc;
    }
    meta->xres = mm->xres;
    meta->yres = mm->yres;
    return 0;
}
