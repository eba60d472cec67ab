/* t/030-conninfo-redact.c - passwords in conninfo strings and URIs are
 * detected and never survive redaction. No servers. */
#include <stdlib.h>
#include <string.h>

#include "drover/conninfo.h"
#include "lib/tap.h"

static void check(const char *in, bool has_pw, const char *want)
{
	char *r = dr_conninfo_redact(in);

	is_int(dr_conninfo_has_password(in), has_pw, "password %sdetected in '%s'",
	       has_pw ? "" : "not ", in ? in : "(null)");
	is_str(r, want, "redacted form of '%s'", in ? in : "(null)");
	ok(!strstr(r, "s3cret"), "no secret in the redacted form of '%s'", in ? in : "(null)");
	free(r);
}

int main(void)
{
	check("host=db port=5433 dbname=pdns user=drover password=s3cret", true,
	      "host=db port=5433 dbname=pdns user=drover password=********");
	check("postgresql://drover:s3cret@db:5433/pdns", true,
	      "host=db port=5433 dbname=pdns user=drover password=********");
	check("postgresql://drover@db/pdns", false, "host=db dbname=pdns user=drover");
	check("dbname=pdns", false, "dbname=pdns");
	check(NULL, false, "(from PG* environment)");
	check("host='unterminated", false, "(unparsable conninfo)");
	return done_testing();
}
