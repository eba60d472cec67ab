/* t/080-template-parse.c - template lines and variables without a
 * database: record lines with and without TTL, comments outside quotes,
 * file:line in errors, brace rules, one TTL per rrset, variable names and
 * values, and the expansion into rrsets ({zone}, {{ }}, default TTL,
 * grouping, a missing variable named). No servers. */
#include <stdlib.h>
#include <string.h>

#include "drover/template.h"
#include "lib/tap.h"

static void line_ok(const char *line, const char *owner, long long ttl, const char *type,
		    const char *content)
{
	struct dr_template_record r;
	struct dr_error err = { 0 };
	int rc = dr_template_parse_record(line, &r, &err);

	if (rc) {
		ok(false, "'%s' parses: %s", line, err.msg);
		return;
	}
	ok(!strcmp(r.owner, owner) && r.ttl == ttl && !strcmp(r.type, type) &&
		   !strcmp(r.content, content),
	   "'%s' -> owner '%s' ttl %lld type %s data '%s'", line, r.owner, r.ttl, r.type,
	   r.content);
	free(r.owner);
	free(r.type);
	free(r.content);
}

static void line_bad(const char *line, const char *why)
{
	struct dr_template_record r;
	struct dr_error err = { 0 };
	int rc = dr_template_parse_record(line, &r, &err);

	ok(rc == DR_EINVAL && strstr(err.msg, why), "'%s' refused: %s", line, err.msg);
}

static void text_bad(const char *text, const char *why)
{
	struct dr_template t = { .name = NULL };
	struct dr_error err = { 0 };
	int rc = dr_template_parse_text(text, "f.tpl", &t, &err);

	ok(rc == DR_EINVAL && strstr(err.msg, why), "text refused with '%s': %s", why, err.msg);
	dr_template_release(&t);
}

static void var_bad(const char *arg, const char *why)
{
	struct dr_template_var v;
	struct dr_error err = { 0 };

	ok(dr_template_var_parse(arg, &v, &err) == DR_EINVAL && strstr(err.msg, why),
	   "--var '%s' refused: %s", arg, err.msg);
}

int main(void)
{
	struct dr_template t = { 0 };
	struct dr_template_rrset *sets = NULL;
	struct dr_template_var vars[2];
	struct dr_error err = { 0 };
	size_t n = 0;

	line_ok("@ A {ip}", "@", -1, "A", "{ip}");
	line_ok("www 300 cname @", "www", 300, "CNAME", "@");
	line_ok("@\tMX\t10 {mx}  ", "@", -1, "MX", "10 {mx}");
	line_ok("@ TXT \"a {{b}} c\"", "@", -1, "TXT", "\"a {{b}} c\"");
	line_bad("www A", "expected OWNER [TTL] TYPE DATA");
	line_bad("@ SOA a. b. 1 2 3 4 5", "a template holds no SOA");
	line_bad("@ BOGUS 1", "unsupported record type 'BOGUS'");
	line_bad("@ A {ip", "'{' must start a variable");
	line_bad("@ A ip}", "a '}' without its '{'");
	line_bad("@ A {IP}", "'{' must start a variable");
	line_bad("{Bad} A 1.2.3.4", "template owner");

	ok(dr_template_parse_text("; comment\n\n@ A {ip} ; apex\r\nwww TXT \"x;y\" ; note\n",
				  "f.tpl", &t, &err) == 0 && t.nrecords == 2,
	   "comments, blank lines and CRLF skipped: %zu records", t.nrecords);
	is_str(t.nrecords == 2 ? t.records[1].content : NULL, "\"x;y\"",
	       "a ';' inside quotes is data");
	dr_template_release(&t);
	text_bad("@ A {ip}\n\nwww 300 A {ip\n", "f.tpl:3:");
	text_bad("; nothing\n", "has no records");
	text_bad("www 300 A {a}\nWWW 600 A {b}\n", "one rrset has one TTL");

	ok(dr_template_var_parse("ip=192.0.2.1", &vars[0], &err) == 0 &&
		   !strcmp(vars[0].name, "ip") && !strcmp(vars[0].value, "192.0.2.1"),
	   "--var ip=192.0.2.1");
	ok(dr_template_var_parse("mx=a=b", &vars[1], &err) == 0 && !strcmp(vars[1].value, "a=b"),
	   "a value may hold '='");
	var_bad("ip", "expected NAME=VALUE");
	var_bad("=x", "expected NAME=VALUE");
	var_bad("IP=1", "variable name 'IP'");
	var_bad("zone=x", "built in");
	var_bad("ip=", "1-253 characters");
	var_bad("mx=a b", "white space");
	var_bad("mx=\"a\"", "quote");
	var_bad("mx=a;b", "';'");

	ok(dr_template_parse_text("@ A {ip}\n@ 60 TXT \"zone {zone} {{x}}\"\nmail A {ip}\n"
				  "@ A 192.0.2.99\n",
				  "g.tpl", &t, &err) == 0,
	   "a template to expand");
	t.name = strdup("g");
	ok(dr_template_expand(&t, "example.com", vars, 1, 3600, &sets, &n, &err) == 0 && n == 3,
	   "expanded into 3 rrsets (the two apex A records are one)");
	if (n == 3) {
		ok(!strcmp(sets[0].owner, "@") && !strcmp(sets[0].type, "A") && sets[0].n == 2 &&
			   !strcmp(sets[0].contents[0], "192.0.2.1") &&
			   !strcmp(sets[0].contents[1], "192.0.2.99") && !strcmp(sets[0].ttl, "3600"),
		   "apex A: {ip} filled in, the default TTL");
		is_str(sets[1].contents[0], "\"zone example.com. {x}\"",
		       "{zone} is the zone's name, {{ and }} are braces");
		is_str(sets[1].ttl, "60", "a record's own TTL is kept");
		is_str(sets[2].owner, "mail", "owners stay relative");
	}
	dr_template_rrsets_free(sets, n);
	ok(dr_template_expand(&t, "example.com", NULL, 0, 3600, &sets, &n, &err) == DR_EINVAL &&
		   strstr(err.msg, "template 'g' needs variable 'ip'") && n == 0 && !sets,
	   "a missing variable is named: %s", err.msg);
	dr_template_release(&t);
	return done_testing();
}
