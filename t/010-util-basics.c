/* t/010-util-basics.c - error codes and exit codes, the string buffer,
 * bounded integer parsing and the option parser: no servers. */
#include <string.h>

#include "drover/err.h"
#include "drover/opt.h"
#include "drover/util.h"
#include "lib/tap.h"

static int seen_id, seen_count;
static const char *seen_value;

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	(void)ctx;
	(void)err;
	seen_id = id;
	seen_value = value;
	seen_count++;
	return 0;
}

int main(void)
{
	static const struct dr_opt opts[] = {
		{ "api", true, 1, "URL", "x" },
		{ "json", false, 2, NULL, "y" },
		{ NULL, false, 0, NULL, NULL },
	};
	const struct dr_opt *tables[] = { opts, NULL };
	struct dr_error err = { 0 };
	struct dr_sbuf sb;
	long long v;
	bool help;
	int npos, rc;

	is_int(dr_error_set(&err, DR_EINVAL, "ttl", "bad ttl '%s'", "x"), DR_EINVAL,
	       "dr_error_set returns its code");
	is_str(err.msg, "bad ttl 'x'", "dr_error_set formats the message");
	is_str(err.field, "ttl", "dr_error_set records the field");
	dr_error_prefix(&err, "zone '%s'", "a.");
	is_str(err.msg, "zone 'a.': bad ttl 'x'", "dr_error_prefix adds context");
	is_int(dr_exit_code(DR_OK), 0, "exit code of success is 0");
	is_int(dr_exit_code(DR_EPROBLEM), 1, "exit code of a found problem is 1");
	is_int(dr_exit_code(DR_EINVAL), 2, "exit code of bad input is 2");
	is_int(dr_exit_code(DR_ECONFIG), 2, "exit code of a bad config is 2");
	is_int(dr_exit_code(DR_ECONNECT), 3, "exit code of a failed connect is 3");

	dr_sbuf_init(&sb);
	is_str(dr_sbuf_str(&sb), "", "an empty sbuf reads as ''");
	for (int i = 0; i < 1000; i++)
		dr_sbuf_addf(&sb, "%d,", i);
	ok(sb.len > 3000 && !strncmp(sb.buf, "0,1,2,", 6), "sbuf grows over many appends");
	dr_sbuf_release(&sb);

	ok(dr_parse_ll("2147483647", 0, 2147483647LL, &v) && v == 2147483647LL,
	   "parse_ll takes the upper bound");
	ok(!dr_parse_ll("2147483648", 0, 2147483647LL, &v), "parse_ll rejects above the bound");
	ok(!dr_parse_ll("12x", 0, 100, &v), "parse_ll rejects trailing garbage '12x'");
	ok(!dr_parse_ll("", 0, 100, &v), "parse_ll rejects ''");

	{
		char *argv[] = { "w1", "--api=http://x", "--json", "extra", NULL };

		seen_count = 0;
		rc = dr_opt_parse(4, argv, tables, on_opt, NULL, &npos, &help, &err);
		ok(rc == 0 && npos == 2 && !strcmp(argv[0], "w1") && !strcmp(argv[1], "extra"),
		   "options parsed, positionals compacted");
		is_int(seen_count, 2, "callback ran for each option");
	}
	{
		char *argv[] = { "--api", "http://y", NULL };

		rc = dr_opt_parse(2, argv, tables, on_opt, NULL, &npos, &help, &err);
		ok(rc == 0 && seen_id == 1 && !strcmp(seen_value, "http://y"),
		   "'--api VALUE' takes the next argument");
	}
	{
		char *argv[] = { "--bogus", NULL };

		rc = dr_opt_parse(1, argv, tables, on_opt, NULL, &npos, &help, &err);
		is_int(rc, DR_EUSAGE, "unknown option rejected");
		like(err.msg, "'--bogus'", "the error names the unknown option");
	}
	{
		char *argv[] = { "--api", NULL };

		rc = dr_opt_parse(1, argv, tables, on_opt, NULL, &npos, &help, &err);
		ok(rc == DR_EUSAGE && strstr(err.msg, "needs a value"), "missing value rejected");
	}
	{
		char *argv[] = { "--json=1", NULL };

		rc = dr_opt_parse(1, argv, tables, on_opt, NULL, &npos, &help, &err);
		ok(rc == DR_EUSAGE && strstr(err.msg, "takes no value"),
		   "value given to a flag rejected");
	}
	{
		char *argv[] = { "--", "--json", "-h", NULL };

		rc = dr_opt_parse(3, argv, tables, on_opt, NULL, &npos, &help, &err);
		ok(rc == 0 && npos == 2 && !help, "after '--' everything is positional");
	}
	return done_testing();
}
