/* t/060-name-normalize.c - names from people to storage form: relative,
 * "@", absolute, case, IDN, limits, and names outside the zone. No servers. */
#include <stdlib.h>
#include <string.h>

#include "drover/name.h"
#include "lib/tap.h"

static void owner_ok(const char *zone, const char *in, const char *want)
{
	struct dr_error err = { 0 };
	char *out = NULL;
	int rc = dr_name_owner(zone, in, &out, &err);

	if (rc)
		diag("error: %s", err.msg);
	is_str(out, want, "owner '%s' in zone '%s'", in, zone);
	free(out);
}

static void owner_bad(const char *zone, const char *in, const char *why)
{
	struct dr_error err = { 0 };
	char *out = NULL;
	int rc = dr_name_owner(zone, in, &out, &err);

	ok(rc == DR_EINVAL && strstr(err.msg, why) != NULL, "owner '%s' rejected: %s", in,
	   err.msg);
	free(out);
}

int main(void)
{
	struct dr_error err = { 0 };
	char *z = NULL;

	ok(dr_name_zone("Example.COM.", &z, &err) == 0 && !strcmp(z, "example.com"),
	   "zone name lowercased, trailing dot dropped");
	free(z);
	ok(dr_name_zone("bücher.example", &z, &err) == 0 && !strcmp(z, "xn--bcher-kva.example"),
	   "UTF-8 zone name turned into its A-label");
	free(z);
	ok(dr_name_zone(".", &z, &err) == DR_EINVAL, "the root zone is refused");
	ok(dr_name_zone("a..b", &z, &err) == DR_EINVAL && strstr(err.msg, "empty label"),
	   "an empty label is refused");
	ok(dr_name_zone("*.example", &z, &err) == DR_EINVAL, "a wildcard zone name is refused");

	owner_ok("example.com", "@", "example.com");
	owner_ok("example.com", "www", "www.example.com");
	owner_ok("example.com", "WWW.Example.Com.", "www.example.com");
	owner_ok("example.com", "a.b.c", "a.b.c.example.com");
	owner_ok("example.com", "*", "*.example.com");
	owner_ok("example.com", "*.dev", "*.dev.example.com");
	owner_ok("example.com", "_sip._tcp", "_sip._tcp.example.com");
	owner_ok("2.0.192.in-addr.arpa", "0/25", "0/25.2.0.192.in-addr.arpa");
	owner_ok("example.com", "Müller", "xn--mller-kva.example.com");
	owner_ok("example.com", "www.example.com", "www.example.com.example.com");

	owner_bad("example.com", "www.example.org.", "outside zone");
	owner_bad("example.com", "badexample.com.", "outside zone");
	owner_bad("example.com", "a.*", "'*' may only be the first label");
	owner_bad("example.com", "w w", "character ' '");
	owner_bad("example.com", "a..b", "empty label");
	{
		char label[80];

		memset(label, 'a', 64);
		label[64] = '\0';
		owner_bad("example.com", label, "longer than 63");
	}
	{
		char name[400] = "";

		for (int i = 0; i < 30; i++)
			strcat(name, "abcdefghi.");
		name[strlen(name) - 1] = '\0';
		owner_bad("example.com", name, "longer than 253");
	}
	ok(dr_name_in_zone("example.com", "example.com"), "the apex is in the zone");
	ok(!dr_name_in_zone("xexample.com", "example.com"), "a suffix that is not a label is not");
	{
		char *f = dr_name_fqdn("www.example.com");

		is_str(f, "www.example.com.", "fqdn adds the dot");
		free(f);
	}
	return done_testing();
}
