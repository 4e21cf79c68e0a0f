/* SPDX-License-Identifier: GPL-2.0-only */
/* What every colo-xdp subcommand shares around its option table (user/lib/opts.h). */
#ifndef COLO_CLI_H
#define COLO_CLI_H

#include <stdbool.h>

#include "lib/opts.h"

/* Logs the error "colo-xdp: <cmd>: <message>" (on stderr). */
void cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the error for an option getopt_long rejected (opterr must be 0). */
void cli_bad_option(const char *cmd, char **argv);

/*
 * Parses a subcommand's argv by spec into obj and finishes what every subcommand does with the
 * result: returns COLO_EXIT_OK after printing the help or the version, COLO_EXIT_USAGE after
 * the one-line error, or -1 with the log's verbosity set (go on).
 */
int cli_parse(const struct colo_cmd_spec *spec, int argc, char **argv, void *obj,
	      struct colo_opts_result *res);

/* The end of cli_parse() for a parser of its own around colo_opts_parse (r: its return). */
int cli_parsed(const struct colo_cmd_spec *spec, int r, const struct colo_opts_result *res,
	       const char *why);

/* 0 when running as root, else prints why and returns COLO_EXIT_RUNTIME. */
int cli_need_root(const char *cmd);

/* `git describe` at build time, or the VERSION file of a tree without git. */
const char *colo_version(void);

#endif /* COLO_CLI_H */
