/* include/drover/opt.h - command-line parsing for drover's subcommands.
 * Long options only ("--name VALUE" or "--name=VALUE"), plus "-h"; any
 * option may repeat (the handler decides); arguments after "--" are
 * positional. An unknown option is an error that names it. */
#ifndef DROVER_OPT_H
#define DROVER_OPT_H

#include <stdbool.h>
#include <stdio.h>

#include "drover/err.h"

struct dr_opt {
	const char *name; /* without the leading "--" */
	int has_arg;
	int id;           /* handed to the callback */
	const char *arg_name; /* for help: "FILE" */
	const char *help;
};

/* has_arg: false (a flag), true (a value required), or DR_OPT_OPTIONAL
 * (a flag that also takes "--name=VALUE"). */
#define DR_OPT_OPTIONAL 2

/* Called for each option found; value is NULL for options without an
 * argument. Return 0, or a DR_E* code after filling err. */
typedef int (*dr_opt_cb)(void *ctx, int id, const char *value, struct dr_error *err);

/* Parse argv[0..argc) (argv[0] is the first argument, not the program).
 * tables is a NULL-terminated list of option arrays, each ended by an entry
 * with a NULL name. Positional arguments are compacted to the front of
 * argv, their count in *npos. "-h"/"--help" sets *help. A name in no table
 * is DR_EUSAGE "unknown option '--x'"; a missing argument is DR_EUSAGE too. */
int dr_opt_parse(int argc, char **argv, const struct dr_opt *const *tables, dr_opt_cb cb,
		 void *ctx, int *npos, bool *help, struct dr_error *err) DR_MUSTCHECK;

/* Print "  --name ARG    help" lines for one table. */
void dr_opt_print(FILE *out, const struct dr_opt *opts);

#endif
