/* src/rr.c - record data through Knot DNS's libraries: libzscanner parses
 * and validates the zone-file text of one record, libknot prints it, and
 * this module adjusts the printed text to PowerDNS 4.7's storage form (and
 * back, for display). See include/drover/rr.h. The scanner is allocated per
 * call (it is large); nothing is kept between calls. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "drover/name.h"
#include "drover/rr.h"
#include "drover/util.h"
#include "banned.h"

static const char *const supported_types[] = {
	"A", "AAAA", "CAA", "CNAME", "DNAME", "DS", "HTTPS", "LOC", "MX", "NAPTR",
	"NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT",
};
#define NTYPES (sizeof(supported_types) / sizeof(supported_types[0]))

int dr_rr_type(const char *input, char **out, struct dr_error *err)
{
	char up[16];
	size_t n = strlen(input);

	*out = NULL;
	if (n == 0 || n >= sizeof(up))
		goto bad;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)input[i]);
	for (size_t i = 0; i < NTYPES; i++) {
		if (!strcmp(up, supported_types[i])) {
			*out = dr_xstrdup(up);
			return 0;
		}
	}
bad:
	return dr_error_set(err, DR_EINVAL, "type",
			    "unsupported record type '%s' (drover writes A AAAA CAA CNAME DNAME "
			    "DS HTTPS LOC MX NAPTR NS PTR SOA SPF SRV SSHFP SVCB TLSA TXT)",
			    input);
}

void dr_rr_release(struct dr_rr *rr)
{
	free(rr->type);
	free(rr->content);
	rr->type = rr->content = NULL;
	rr->prio = 0;
}

/* Split text at spaces into at most max fields (pointers into text). */
static int split(char *text, char **fields, int max)
{
	int n = 0;
	char *p = text;

	while (*p && n < max) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		fields[n++] = p;
		if (n == max)
			break;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

/* "name." -> "name"; "." stays "." */
static void strip_dot(char *name)
{
	size_t n = strlen(name);

	if (n > 1 && name[n - 1] == '.' && name[n - 2] != '\\')
		name[n - 1] = '\0';
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Join fields[from..n) with single spaces into sb. */
static void join(struct dr_sbuf *sb, char **fields, int from, int n)
{
	for (int i = from; i < n; i++) {
		if (i > from)
			dr_sbuf_add(sb, " ", 1);
		dr_sbuf_adds(sb, fields[i]);
	}
}

/* LOC in PowerDNS's own layout, from the RFC 1876 wire form. */
static char *loc_text(const uint8_t *rd, uint32_t len)
{
	uint32_t v[3];
	double m[3];
	char hemi[2] = { 'N', 'E' };
	long long deg[2], min[2];
	double sec[2];

	if (len != 16 || rd[0] != 0)
		return NULL;
	for (int i = 0; i < 3; i++) {
		uint8_t b = rd[1 + i];
		double x = (b >> 4);

		for (int e = 0; e < (b & 0x0f); e++)
			x *= 10;
		m[i] = x / 100.0; /* centimetres to metres */
	}
	for (int i = 0; i < 3; i++)
		v[i] = (uint32_t)rd[4 + 4 * i] << 24 | (uint32_t)rd[5 + 4 * i] << 16 |
		       (uint32_t)rd[6 + 4 * i] << 8 | rd[7 + 4 * i];
	for (int i = 0; i < 2; i++) {
		long long t = (long long)v[i] - 2147483648LL; /* thousandths of arc seconds */

		if (t < 0) {
			hemi[i] = i == 0 ? 'S' : 'W';
			t = -t;
		}
		deg[i] = t / 3600000;
		min[i] = (t % 3600000) / 60000;
		sec[i] = (double)(t % 60000) / 1000.0;
	}
	return dr_xasprintf("%lld %lld %2.03f %c %lld %lld %2.03f %c %.2fm %.2fm %.2fm %.2fm",
			    deg[0], min[0], sec[0], hemi[0], deg[1], min[1], sec[1], hemi[1],
			    ((double)v[2] - 10000000.0) / 100.0, m[0], m[1], m[2]);
}

/* Turn libknot's presentation of one record into PowerDNS's stored form. */
static int to_storage(const char *type, char *text, const uint8_t *rd, uint32_t rdlen,
		      struct dr_rr *out)
{
	char *f[8];
	struct dr_sbuf sb;
	int n;

	dr_sbuf_init(&sb);
	out->prio = 0;
	if (!strcmp(type, "MX") || !strcmp(type, "SRV")) {
		n = split(text, f, strcmp(type, "MX") ? 4 : 2);
		if (n < 2)
			return -1;
		out->prio = atoi(f[0]);
		strip_dot(f[n - 1]);
		join(&sb, f, 1, n);
	} else if (!strcmp(type, "CNAME") || !strcmp(type, "NS") || !strcmp(type, "PTR") ||
		   !strcmp(type, "DNAME")) {
		strip_dot(text);
		dr_sbuf_adds(&sb, text);
	} else if (!strcmp(type, "SOA")) {
		n = split(text, f, 7);
		if (n != 7)
			return -1;
		strip_dot(f[0]);
		strip_dot(f[1]);
		join(&sb, f, 0, n);
	} else if (!strcmp(type, "NAPTR")) {
		/* the replacement is the last field; strings before it may hold
		 * spaces, so work on the tail only */
		char *last = strrchr(text, ' ');

		if (!last)
			return -1;
		strip_dot(last + 1);
		dr_sbuf_adds(&sb, text);
	} else if (!strcmp(type, "SVCB") || !strcmp(type, "HTTPS")) {
		n = split(text, f, 3);
		if (n < 2)
			return -1;
		strip_dot(f[1]);
		join(&sb, f, 0, n);
	} else if (!strcmp(type, "DS") || !strcmp(type, "TLSA") || !strcmp(type, "SSHFP")) {
		lower(text);
		dr_sbuf_adds(&sb, text);
	} else if (!strcmp(type, "LOC")) {
		char *loc = loc_text(rd, rdlen);

		if (!loc)
			return -1;
		dr_sbuf_adds(&sb, loc);
		free(loc);
	} else {
		size_t len = strlen(text);

		while (len && text[len - 1] == ' ') /* libknot ends CAA with a space */
			text[--len] = '\0';
		dr_sbuf_adds(&sb, text);
	}
	out->content = dr_sbuf_detach(&sb);
	return 0;
}

/* Scan "OWNER. 0 IN TYPE DATA" with the given origin; on success the
 * scanner holds exactly one record. */
static int scan_one(zs_scanner_t *s, const char *origin, const char *owner_fqdn,
		    const char *type, const char *data, char *why, size_t whylen)
{
	char *line;
	int rc = -1;

	if (strpbrk(data, "\n\r")) {
		snprintf(why, whylen, "line breaks are not allowed");
		return -1;
	}
	if (zs_init(s, origin, KNOT_CLASS_IN, 0) != 0) {
		snprintf(why, whylen, "cannot start the scanner");
		return -1;
	}
	line = dr_xasprintf("%s 0 IN %s %s\n", owner_fqdn, type, data);
	if (zs_set_input_string(s, line, strlen(line)) != 0 || zs_parse_record(s) != 0 ||
	    s->state != ZS_STATE_DATA) {
		snprintf(why, whylen, "%s",
			 s->error.code ? zs_strerror(s->error.code) : "no record data");
		goto out;
	}
	{
		uint16_t want;

		if (knot_rrtype_from_string(type, &want) != 0 || want != s->r_type) {
			snprintf(why, whylen, "data does not match the type");
			goto out;
		}
	}
	/* the data must hold one record: nothing may follow it */
	{
		zs_state_t first = s->state;
		uint8_t keep[ZS_MAX_RDATA_LENGTH];
		uint32_t keep_len = s->r_data_length;
		uint16_t keep_type = s->r_type;

		memcpy(keep, s->r_data, keep_len);
		if (zs_parse_record(s) != 0 || s->state != ZS_STATE_EOF) {
			snprintf(why, whylen, "more than one record");
			goto out;
		}
		s->state = first;
		memcpy(s->r_data, keep, keep_len);
		s->r_data_length = keep_len;
		s->r_type = keep_type;
	}
	rc = 0;
out:
	free(line);
	return rc;
}

/* libknot's presentation of one record's wire data: into small when it
 * fits, else into a new buffer (rdata of up to 64 KiB may print four times
 * as long). Returns small, a buffer the caller frees, or NULL. */
static char *dump_wire(uint16_t rtype, const uint8_t *rd, uint32_t len, char *small,
		       size_t smallcap)
{
	static const knot_dname_t owner[] = { 1, 'x', 0 };
	knot_rrset_t rrset;
	char *buf = small;
	size_t cap = smallcap;
	int n;

	knot_rrset_init(&rrset, (knot_dname_t *)owner, rtype, KNOT_CLASS_IN, 0);
	if (knot_rrset_add_rdata(&rrset, rd, (uint16_t)len, NULL) != 0)
		return NULL;
	n = knot_rrset_txt_dump_data(&rrset, 0, buf, cap, &KNOT_DUMP_STYLE_DEFAULT);
	if (n < 0) {
		cap = 65536 * 4 + 64;
		buf = dr_xmalloc(cap);
		n = knot_rrset_txt_dump_data(&rrset, 0, buf, cap, &KNOT_DUMP_STYLE_DEFAULT);
	}
	knot_rdataset_clear(&rrset.rrs, NULL);
	if (n < 0) {
		if (buf != small)
			free(buf);
		return NULL;
	}
	return buf;
}

/* libknot's presentation of the scanner's current record data (caller frees). */
static char *dump_data(const zs_scanner_t *s)
{
	char small[1024], *text = dump_wire(s->r_type, s->r_data, s->r_data_length, small,
					    sizeof(small));

	return text == small ? dr_xstrdup(small) : text;
}

const char *dr_rr_type_supported(uint16_t rtype)
{
	char name[16];

	if (knot_rrtype_to_string(rtype, name, sizeof(name)) < 0)
		return NULL;
	for (size_t i = 0; i < NTYPES; i++)
		if (!strcmp(name, supported_types[i]))
			return supported_types[i];
	return NULL;
}

int dr_rr_from_wire(uint16_t rtype, const uint8_t *rdata, uint32_t len, struct dr_rr *out)
{
	const char *type = dr_rr_type_supported(rtype);
	char small[1024], *text;
	int rc;

	out->type = out->content = NULL;
	out->prio = 0;
	if (!type)
		return -1;
	text = dump_wire(rtype, rdata, len, small, sizeof(small));
	if (!text)
		return -1;
	rc = to_storage(type, text, rdata, len, out);
	if (text != small)
		free(text);
	if (rc)
		return -1;
	out->type = dr_xstrdup(type);
	return 0;
}

int dr_rr_parse(const char *zone, const char *owner, const char *type, const char *content,
		struct dr_rr *out, struct dr_error *err)
{
	zs_scanner_t *s = dr_xcalloc(1, sizeof(*s));
	char *origin = dr_name_fqdn(zone), *owner_fqdn = dr_name_fqdn(owner), *text = NULL;
	char why[256] = "";
	int rc = 0;

	out->type = out->content = NULL;
	out->prio = 0;
	if (scan_one(s, origin, owner_fqdn, type, content, why, sizeof(why))) {
		rc = dr_error_set(err, DR_EINVAL, "content", "record '%s' %s: bad data '%s': %s",
				  owner_fqdn, type, content, why);
		goto out;
	}
	text = dump_data(s);
	if (!text || to_storage(type, text, s->r_data, s->r_data_length, out)) {
		rc = dr_error_set(err, DR_EINVAL, "content",
				  "record '%s' %s: data '%s' cannot be stored", owner_fqdn, type,
				  content);
		goto out;
	}
	out->type = dr_xstrdup(type);
out:
	zs_deinit(s);
	free(s);
	free(text);
	free(origin);
	free(owner_fqdn);
	if (rc)
		dr_rr_release(out);
	return rc;
}

char *dr_rr_present(const char *type, int prio, const char *content)
{
	zs_scanner_t *s = dr_xcalloc(1, sizeof(*s));
	char why[128], *data, *text = NULL;

	/* stored names are absolute without the dot: scan with the root as
	 * origin, so "mail.example.com" reads as "mail.example.com." */
	if (!strcmp(type, "MX") || !strcmp(type, "SRV"))
		data = dr_xasprintf("%d %s", prio, content);
	else
		data = dr_xstrdup(content);
	if (scan_one(s, ".", "x.", type, data, why, sizeof(why)) == 0)
		text = dump_data(s);
	if (text) {
		size_t len = strlen(text);

		while (len && text[len - 1] == ' ')
			text[--len] = '\0';
	}
	zs_deinit(s);
	free(s);
	free(data);
	return text;
}
