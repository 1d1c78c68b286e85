/*
 * testfs.h - file-system helpers shared by the unit tests that build
 * spools in a temporary directory.
 */
#ifndef TS_TESTFS_H
#define TS_TESTFS_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* rm_rf - remove path and everything under it; returns 0 or -1. */
static int rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    struct dirent *e;
    int rc = 0;
    char sub[PATH_MAX];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof sub, "%.2000s/%.1000s", path, e->d_name);
        rc |= rm_rf(sub);
    }
    if (d)
        closedir(d);
    return rmdir(path) | rc;
}

#endif
