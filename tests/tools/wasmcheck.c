/*
 * wasmcheck.c - check filter modules the way a user's module is checked
 * before it is compiled: the structural check, then wasm-validate.
 *
 * SYNOPSIS
 *   wasmcheck FILE...
 *
 * DESCRIPTION
 *   For each FILE, wasm_check_file and, if that accepts it,
 *   wasm_check_validate (wasm-validate's output is dropped).  Prints one
 *   line per file:
 *       accept FILE
 *       structure FILE: MESSAGE     refused by the structural check
 *       validate FILE: MESSAGE      refused by wasm-validate
 *   Exit 0 if every file was accepted, 1 if any was refused, 2 usage.
 */
#include "err.h"
#include "wasm_check.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    int refused = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: wasmcheck FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (wasm_check_file(argv[i], err) < 0)
            printf("structure %s: %s\n", argv[i], err);
        else if (wasm_check_validate(argv[i], -1, err) < 0)
            printf("validate %s: %s\n", argv[i], err);
        else {
            printf("accept %s\n", argv[i]);
            continue;
        }
        refused = 1;
    }
    return refused;
}
