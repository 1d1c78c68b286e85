/*
 * manifest_file.c - job.json in the job's directory (manifest_file.h):
 * published by tmp + rename like every spool file, read with the spool's
 * open rules and a size limit.
 */
#include "manifest_file.h"
#include "err.h"

#include <stdlib.h>

int manifest_save(const struct manifest *m, const char *jobdir, char *err)
{
    char *text = manifest_format(m);
    if (!text)
        return errf(err, "%s/%s: out of memory", jobdir, SPOOL_MANIFEST);
    struct spool_file sf;
    int rc = spool_file_begin(&sf, jobdir, NULL, SPOOL_MANIFEST, err);
    if (rc == 0) {
        fputs(text, sf.f);
        fputc('\n', sf.f);
        rc = spool_file_commit(&sf, err);
    }
    free(text);
    return rc;
}

int manifest_load(struct manifest *m, const char *jobdir, char *err)
{
    char path[PATH_MAX];
    if (spool_path(path, jobdir, SPOOL_MANIFEST, NULL, err) < 0)
        return -1;
    FILE *f = spool_fopen(path, err);
    if (!f)
        return -1;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    int bad = !buf || ferror(f) || n == (1 << 20) - 1;
    fclose(f);
    if (bad) {
        free(buf);
        return errf(err, "%s: unreadable or larger than 1 MiB", path);
    }
    buf[n] = '\0';
    int rc = manifest_parse(m, buf, path, err);
    free(buf);
    return rc;
}
