/* include/drover/log.h - one-line log events with syslog levels.
 * dr_log(level, module, fmt, ...) writes "LEVEL MODULE: message" to stderr
 * (the default) or to syslog. Messages carry context in brackets
 * ("[server w2] [zone example.com.]") and never secrets. Not thread-safe:
 * drover is single-threaded. */
#ifndef DROVER_LOG_H
#define DROVER_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "drover/err.h"

/* Levels are syslog's: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void dr_log_setup(int max_level, bool use_syslog);
void dr_log(int level, const char *module, const char *fmt, ...) DR_PRINTF(3, 4);

/* "error", "warning", "notice", "info", "debug" to a level; -1 if unknown. */
int dr_log_level_parse(const char *name);
const char *dr_log_level_name(int level);

/* Close and reopen the destination (SIGHUP). */
void dr_log_reopen(void);

#endif
