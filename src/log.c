/* src/log.c - the log: one line per event, syslog levels, to stderr or
 * syslog. See include/drover/log.h. Holds only the destination and level;
 * callers pass context in the message and never pass secrets. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "drover/log.h"
#include "banned.h"

static int log_max_level = LOG_NOTICE;
static bool log_use_syslog;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void dr_log_setup(int max_level, bool use_syslog)
{
	if (log_use_syslog && !use_syslog)
		closelog();
	log_max_level = max_level;
	log_use_syslog = use_syslog;
	if (use_syslog)
		openlog("drover", LOG_PID, LOG_DAEMON);
}

void dr_log_reopen(void)
{
	if (log_use_syslog) {
		closelog();
		openlog("drover", LOG_PID, LOG_DAEMON);
	}
}

int dr_log_level_parse(const char *name)
{
	for (size_t i = LOG_ERR; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(name, level_names[i]))
			return (int)i;
	return -1;
}

const char *dr_log_level_name(int level)
{
	if (level < 0 || level > LOG_DEBUG)
		return "?";
	return level_names[level];
}

void dr_log(int level, const char *module, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level > log_max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_use_syslog) {
		syslog(level, "%s %s: %s", dr_log_level_name(level), module, msg);
		return;
	}
	{
		char stamp[32];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp, ts.tv_nsec / 1000000L,
			dr_log_level_name(level), module, msg);
	}
}
