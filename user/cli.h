/* SPDX-License-Identifier: GPL-2.0-only */
/* Small argument helpers shared by the colo-xdp subcommands. */
#ifndef COLO_CLI_H
#define COLO_CLI_H

#include <stdbool.h>

/* Prints "colo-xdp: <cmd>: <message>" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the error for an option getopt_long rejected (opterr must be 0). */
void cli_bad_option(const char *cmd, char **argv);

/* 0 when running as root, else prints why and returns COLO_EXIT_RUNTIME. */
int cli_need_root(const char *cmd);

#endif /* COLO_CLI_H */
