/* src/cfg.c - drover's settings: the one key table, the `key = value` file
 * reader, and command-line overrides. See include/drover/cfg.h. A new key
 * takes one row here (kept sorted by name), a README line and a test. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drover/cfg.h"
#include "drover/util.h"
#include "banned.h"

#define CFG_FILE_MAX (1024 * 1024)

static const struct dr_cfg_key cfg_keys[] = {
	{ "check-interval", DR_CFG_INT, "300", 0, 86400, NULL, DR_CFG_RELOAD,
	  "seconds between the daemon's drift checks (0: none); see drover status" },
	{ "db", DR_CFG_STRING, NULL, 0, 0, NULL, DR_CFG_SECRET,
	  "PostgreSQL conninfo or URI (else the PG* environment)" },
	{ "log-level", DR_CFG_ENUM, "notice", 0, 0, "error|warning|notice|info|debug",
	  DR_CFG_RELOAD, "most verbose level logged" },
	{ "log-target", DR_CFG_ENUM, "stderr", 0, 0, "stderr|syslog", DR_CFG_RELOAD,
	  "where log lines go" },
};
#define NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

struct dr_cfg {
	char *val[NKEYS];
};

const struct dr_cfg_key *dr_cfg_keys(size_t *n)
{
	*n = NKEYS;
	return cfg_keys;
}

const struct dr_cfg_key *dr_cfg_find(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(cfg_keys[i].name, key))
			return &cfg_keys[i];
	return NULL;
}

static size_t key_index(const struct dr_cfg_key *k)
{
	return (size_t)(k - cfg_keys);
}

struct dr_cfg *dr_cfg_new(void)
{
	struct dr_cfg *cfg = dr_xcalloc(1, sizeof(*cfg));

	for (size_t i = 0; i < NKEYS; i++)
		cfg->val[i] = cfg_keys[i].def ? dr_xstrdup(cfg_keys[i].def) : NULL;
	return cfg;
}

void dr_cfg_free(struct dr_cfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		if (cfg->val[i] && (cfg_keys[i].flags & DR_CFG_SECRET))
			explicit_bzero(cfg->val[i], strlen(cfg->val[i]));
		free(cfg->val[i]);
	}
	free(cfg);
}

static bool enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (*p) {
		size_t len = strcspn(p, "|");

		if (len == n && !strncmp(p, v, n))
			return true;
		p += len;
		if (*p == '|')
			p++;
	}
	return false;
}

static int check_value(const struct dr_cfg_key *k, const char *value, const char *origin,
		       struct dr_error *err)
{
	long long n;

	switch (k->type) {
	case DR_CFG_STRING:
		return 0;
	case DR_CFG_INT:
		if (!dr_parse_ll(value, k->min, k->max, &n))
			return dr_error_set(err, DR_ECONFIG, k->name,
					    "%s: key '%s': must be an integer in %lld..%lld, got '%s'",
					    origin, k->name, k->min, k->max, value);
		return 0;
	case DR_CFG_BOOL:
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return dr_error_set(err, DR_ECONFIG, k->name,
					    "%s: key '%s': must be 'yes' or 'no', got '%s'",
					    origin, k->name, value);
		return 0;
	case DR_CFG_ENUM:
		if (!enum_has(k->choices, value))
			return dr_error_set(err, DR_ECONFIG, k->name,
					    "%s: key '%s': must be one of %s, got '%s'", origin,
					    k->name, k->choices, value);
		return 0;
	}
	return 0;
}

int dr_cfg_set(struct dr_cfg *cfg, const char *key, const char *value, const char *origin,
	       struct dr_error *err)
{
	const struct dr_cfg_key *k = dr_cfg_find(key);
	size_t i;
	int rc;

	if (!k)
		return dr_error_set(err, DR_ECONFIG, key, "%s: unknown key '%s'", origin, key);
	rc = check_value(k, value, origin, err);
	if (rc)
		return rc;
	i = key_index(k);
	if (cfg->val[i] && (k->flags & DR_CFG_SECRET))
		explicit_bzero(cfg->val[i], strlen(cfg->val[i]));
	free(cfg->val[i]);
	cfg->val[i] = dr_xstrdup(value);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Apply every line of text to cfg; stop at the first bad line. */
static int load_text(struct dr_cfg *cfg, const char *path, char *text, struct dr_error *err)
{
	char *line = text, *next, *eq, *key, *value;
	char origin[512];
	int lineno = 0, rc;

	for (; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		eq = strchr(line, '=');
		if (!eq)
			return dr_error_set(err, DR_ECONFIG, NULL,
					    "%s: expected 'key = value', got '%.60s'", origin, line);
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (!*key)
			return dr_error_set(err, DR_ECONFIG, NULL, "%s: missing key before '='",
					    origin);
		rc = dr_cfg_set(cfg, key, value, origin, err);
		if (rc)
			return rc;
	}
	return 0;
}

int dr_cfg_load(struct dr_cfg *cfg, const char *path, bool must_exist, struct dr_error *err)
{
	struct dr_cfg *tmp;
	char *text = NULL;
	int rc;

	if (!must_exist && access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	rc = dr_read_file(path, CFG_FILE_MAX, &text, NULL, err);
	if (rc) {
		if (err) {
			err->code = DR_ECONFIG;
			snprintf(err->field, sizeof(err->field), "config");
		}
		return DR_ECONFIG;
	}
	/* apply to a copy, so a bad line leaves cfg as it was */
	tmp = dr_cfg_new();
	for (size_t i = 0; i < NKEYS; i++) {
		free(tmp->val[i]);
		tmp->val[i] = cfg->val[i] ? dr_xstrdup(cfg->val[i]) : NULL;
	}
	rc = load_text(tmp, path, text, err);
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc) {
		dr_cfg_free(tmp);
		return rc;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		char *swap = cfg->val[i];

		cfg->val[i] = tmp->val[i];
		tmp->val[i] = swap;
	}
	dr_cfg_free(tmp);
	return 0;
}

const char *dr_cfg_str(const struct dr_cfg *cfg, const char *key)
{
	const struct dr_cfg_key *k = dr_cfg_find(key);

	return k ? cfg->val[key_index(k)] : NULL;
}

long long dr_cfg_int(const struct dr_cfg *cfg, const char *key)
{
	const char *v = dr_cfg_str(cfg, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

bool dr_cfg_bool(const struct dr_cfg *cfg, const char *key)
{
	const char *v = dr_cfg_str(cfg, key);

	return v && !strcmp(v, "yes");
}

void dr_cfg_print_keys(FILE *out)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct dr_cfg_key *k = &cfg_keys[i];
		char def[128];

		if (k->type == DR_CFG_ENUM)
			snprintf(def, sizeof(def), "%s (default %s)", k->choices,
				 k->def ? k->def : "unset");
		else if (k->type == DR_CFG_INT)
			snprintf(def, sizeof(def), "%lld..%lld (default %s)", k->min, k->max,
				 k->def ? k->def : "unset");
		else
			snprintf(def, sizeof(def), "(default %s)", k->def ? k->def : "unset");
		fprintf(out, "  %-22s %s\n  %-22s %s\n", k->name, k->help, "", def);
	}
}
