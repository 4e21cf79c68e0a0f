/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command-line layer of every colo-xdp subcommand: each one describes its options in a
 * table (struct colo_opt: name, type, where the value goes, range, enum names, help), and one
 * parser turns argv into that struct, with the options every subcommand has: -h/--help,
 * -V/--version, -v/--verbose (repeatable) and -q/--quiet. Also the one number parser. Pure: no
 * system calls beyond writing the help text to a FILE.
 */
#ifndef COLO_OPTS_H
#define COLO_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/names.h"

#define COLO_OPTS_MAX_POS 4

/*
 * A whole string as an unsigned number in [min, max]: decimal, or hex with 0x. No sign, no
 * blanks, no suffix. Returns 0, or -1.
 */
int colo_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

enum colo_opt_type {
	COLO_OPT_FLAG, /* bool, set to true */
	COLO_OPT_STR,  /* const char *, the argument itself (checked by valid, if set) */
	COLO_OPT_U32,  /* uint32_t in [min, max], times scale */
	COLO_OPT_U64,  /* uint64_t in [min, max], times scale */
	COLO_OPT_ENUM, /* an enum (int-sized), one of names */
};

struct colo_opt {
	const char *name; /* the long option, without "--" */
	char short_name;  /* 0: none */
	enum colo_opt_type type;
	size_t offset;	   /* of the value in the subcommand's struct */
	const char *arg;   /* the argument in the help text: "MS", "NAME" (enums: their names) */
	const char *help;  /* one line */
	uint64_t min, max; /* numbers: the range as typed (before scale) */
	uint64_t scale;	   /* numbers: stored value = typed value x scale (0: 1) */
	/* Numbers: a further condition (a power of 2, ...); what says it, for the error. */
	bool (*valid_num)(uint64_t v);
	/* Strings: the condition on the argument. */
	bool (*valid_str)(const char *s);
	const char *valid_what; /* "a power of 2", "[A-Za-z0-9_-], < 64 chars" */
	const struct colo_enum_name *names;
};

#define COLO_OPT_END                                                                               \
	{                                                                                          \
		NULL, 0, COLO_OPT_FLAG, 0, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL             \
	}

struct colo_cmd_spec {
	const char *name;	       /* "attach" */
	const char *usage;	       /* after the name: "<iface> --role ROLE [options]" */
	const char *summary;	       /* one line */
	unsigned int min_pos, max_pos; /* positional arguments */
	const struct colo_opt *opts;   /* ends with COLO_OPT_END */
};

struct colo_opts_result {
	uint64_t seen; /* bit i: opts[i] was given */
	int verbosity; /* 0 default, +1 per -v, -1 with -q */
	bool help;     /* -h/--help: print colo_opts_help(), exit 0 */
	bool version;  /* -V/--version: print the version, exit 0 */
	unsigned int npos;
	const char *pos[COLO_OPTS_MAX_POS];
};

/*
 * Parses argv (argv[0]: the subcommand's name) into obj by spec's table; values not given stay
 * as the caller set them. Returns 0 (res filled; with help or version set, nothing else is
 * checked), or -1 with a one-line reason in why.
 */
int colo_opts_parse(const struct colo_cmd_spec *spec, int argc, char **argv, void *obj,
		    struct colo_opts_result *res, char *why, size_t whylen);

/* Whether option name (a long name of spec) was given. */
bool colo_opts_seen(const struct colo_cmd_spec *spec, const struct colo_opts_result *res,
		    const char *name);

/* The subcommand's help: usage line, summary, one line per option. */
void colo_opts_help(const struct colo_cmd_spec *spec, FILE *out);

#endif /* COLO_OPTS_H */
