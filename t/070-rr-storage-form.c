/* t/070-rr-storage-form.c - record data parsed by libzscanner and stored in
 * PowerDNS 4.7's form (the forms below were read back from rows written
 * by pdns_server's own API), and back to presentation. No servers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/rr.h"
#include "lib/tap.h"

static void store(const char *owner, const char *type, const char *in, const char *want,
		  int want_prio)
{
	struct dr_error err = { 0 };
	struct dr_rr rr = { 0 };
	int rc = dr_rr_parse("example.com", owner, type, in, &rr, &err);

	if (rc)
		diag("error: %s", err.msg);
	is_str(rr.content, want, "%s '%s' stored as '%s'", type, in, want);
	if (want_prio >= 0)
		is_int(rr.prio, want_prio, "%s '%s' prio", type, in);
	dr_rr_release(&rr);
}

static void reject(const char *type, const char *in, const char *why)
{
	struct dr_error err = { 0 };
	struct dr_rr rr = { 0 };
	int rc = dr_rr_parse("example.com", "www.example.com", type, in, &rr, &err);

	ok(rc == DR_EINVAL && strstr(err.msg, why) && strstr(err.msg, "www.example.com."),
	   "%s '%s' rejected, record named: %s", type, in, err.msg);
	dr_rr_release(&rr);
}

int main(void)
{
	char *t = NULL;
	struct dr_error err = { 0 };

	ok(dr_rr_type("mx", &t, &err) == 0 && !strcmp(t, "MX"), "type 'mx' becomes 'MX'");
	free(t);
	ok(dr_rr_type("WKS", &t, &err) == DR_EINVAL && strstr(err.msg, "'WKS'"),
	   "unsupported type named");

	store("www.example.com", "A", "192.0.2.1", "192.0.2.1", 0);
	store("www.example.com", "AAAA", "2001:DB8:0:0::1", "2001:db8::1", 0);
	store("example.com", "MX", "10 Mail", "Mail.example.com", 10);
	store("example.com", "MX", "0 .", ".", 0);
	store("c.example.com", "CNAME", "www.example.com.", "www.example.com", -1);
	store("t.example.com", "TXT", "\"hello world\" \"a\\\"b\\\\c\\009\"",
	      "\"hello world\" \"a\\\"b\\\\c\\009\"", -1);
	store("t.example.com", "TXT", "unquoted", "\"unquoted\"", -1);
	store("_sip._tcp.example.com", "SRV", "10 20 5060 sip", "20 5060 sip.example.com", 10);
	store("example.com", "CAA", "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\"", -1);
	store("p.example.com", "PTR", "host.example.", "host.example", -1);
	store("sub.example.com", "DS",
	      "12345 13 2 3F2A2C1B0A5E6D7C8B9A0F1E2D3C4B5A69788796A5B4C3D2E1F0A9B8C7D6E5F4",
	      "12345 13 2 3f2a2c1b0a5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4", -1);
	store("_443._tcp.example.com", "TLSA",
	      "3 1 1 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
	      "3 1 1 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", -1);
	store("h.example.com", "SSHFP", "4 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
	      "4 2 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", -1);
	store("n.example.com", "NAPTR", "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
	      "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .", -1);
	store("example.com", "HTTPS", "1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1",
	      "1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1", -1);
	store("s.example.com", "SVCB", "1 svc.example. alpn=h2 port=8443",
	      "1 svc.example alpn=h2 port=8443", -1);
	store("l.example.com", "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m",
	      "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m", -1);
	store("l.example.com", "LOC", "33 S 70 W 10m", "33 0 0.000 S 70 0 0.000 W 10.00m 1.00m 10000.00m 10.00m", -1);
	store("example.com", "SPF", "\"v=spf1 -all\"", "\"v=spf1 -all\"", -1);
	store("example.com", "SOA", "ns1 hostmaster 1 10800 3600 604800 3600",
	      "ns1.example.com hostmaster.example.com 1 10800 3600 604800 3600", -1);
	store("d.example.com", "DNAME", "other.example.", "other.example", -1);
	{
		char in[320], want[340];

		memset(in, 'a', 300);
		in[300] = '\0';
		snprintf(want, sizeof(want), "\"%.255s\" \"%s\"", in, in + 255);
		store("long.example.com", "TXT", in, want, -1);
	}

	reject("A", "1.2.3", "invalid IPv4 address");
	reject("A", "192.0.2.1 192.0.2.2", "bad data");
	reject("AAAA", "192.0.2.1", "bad data");
	reject("MX", "mail", "bad data");
	reject("A", "192.0.2.1\nevil A 1.1.1.1", "line breaks");
	reject("SRV", "10 20 notaport x", "bad data");
	reject("CAA", "0 issue", "bad data");

	t = dr_rr_present("MX", 10, "Mail.example.com");
	is_str(t, "10 Mail.example.com.", "MX presented with prio and a dot");
	free(t);
	t = dr_rr_present("SRV", 10, "20 5060 sip.example.com");
	is_str(t, "10 20 5060 sip.example.com.", "SRV presented with prio");
	free(t);
	t = dr_rr_present("CNAME", 0, "www.example.com");
	is_str(t, "www.example.com.", "CNAME presented absolute");
	free(t);
	t = dr_rr_present("TXT", 0, "\"a b\"");
	is_str(t, "\"a b\"", "TXT presented as stored");
	free(t);
	t = dr_rr_present("A", 0, "not an address");
	ok(t == NULL, "unparsable stored data gives NULL");
	free(t);
	return done_testing();
}
