/*
 * check.h - the smallest useful unit-test harness.
 *
 * Each test binary prints one TAP-like line per check ("ok - name" or
 * "not ok - name: detail") and exits non-zero if any failed; tests/run
 * counts the lines.  Used as:  CHECK(cond, "name", "detail fmt", ...).
 */
#ifndef TS_CHECK_H
#define TS_CHECK_H

#include <stdio.h>

static int check_failed;

#define CHECK(cond, name, ...)                                  \
    do {                                                        \
        if (cond) {                                             \
            printf("ok - %s\n", name);                          \
        } else {                                                \
            printf("not ok - %s: ", name);                      \
            printf(__VA_ARGS__);                                \
            printf(" (%s:%d)\n", __FILE__, __LINE__);           \
            check_failed++;                                     \
        }                                                       \
        fflush(stdout);                                         \
    } while (0)

#define CHECK_DONE() return check_failed ? 1 : 0

#endif
