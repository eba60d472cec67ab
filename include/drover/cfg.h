/* include/drover/cfg.h - drover's settings: one table of keys (src/cfg.c),
 * read from a pdns.conf-style `key = value` file and overridden by
 * command-line `--key=value`. Owns the values it stores; strings returned by
 * the getters are borrowed until the next dr_cfg_set or dr_cfg_free. */
#ifndef DROVER_CFG_H
#define DROVER_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drover/err.h"

#define DR_CFG_DEFAULT_PATH "/etc/drover/drover.conf"

enum dr_cfg_type { DR_CFG_STRING, DR_CFG_INT, DR_CFG_BOOL, DR_CFG_ENUM };

enum dr_cfg_flags {
	DR_CFG_SECRET = 1 << 0, /* may hold a password: never print the value */
	DR_CFG_RELOAD = 1 << 1, /* takes effect on SIGHUP without a restart */
};

struct dr_cfg_key {
	const char *name;
	enum dr_cfg_type type;
	const char *def;      /* default as text, NULL for unset */
	long long min, max;   /* bounds for DR_CFG_INT */
	const char *choices;  /* "a|b|c" for DR_CFG_ENUM */
	unsigned flags;
	const char *help;
};

struct dr_cfg;

struct dr_cfg *dr_cfg_new(void); /* every key at its default */
void dr_cfg_free(struct dr_cfg *cfg);

/* Load a config file. With must_exist false, a missing file is fine (the
 * default path); any other failure is DR_ECONFIG naming "file:line", the
 * key and the reason. Nothing is changed in cfg when it fails. */
int dr_cfg_load(struct dr_cfg *cfg, const char *path, bool must_exist, struct dr_error *err)
	DR_MUSTCHECK;

/* Set one key from text; origin ("--db", "file:3") goes into errors. */
int dr_cfg_set(struct dr_cfg *cfg, const char *key, const char *value, const char *origin,
	       struct dr_error *err) DR_MUSTCHECK;

/* The whole key table, sorted by name; *n gets its length. */
const struct dr_cfg_key *dr_cfg_keys(size_t *n);

/* The key's table row, or NULL if there is no such key. */
const struct dr_cfg_key *dr_cfg_find(const char *key);

const char *dr_cfg_str(const struct dr_cfg *cfg, const char *key); /* NULL when unset */
long long dr_cfg_int(const struct dr_cfg *cfg, const char *key);
bool dr_cfg_bool(const struct dr_cfg *cfg, const char *key);

/* Print the key table (name, default, help) for `drover help config`. */
void dr_cfg_print_keys(FILE *out);

#endif
