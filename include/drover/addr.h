/* include/drover/addr.h - numeric socket addresses, "IPv4:PORT" or
 * "[IPv6]:PORT", as the registry stores them for DNS and the control
 * channel. Numeric only: the daemon resolves no name on its loop. Pure: no
 * I/O, no allocation. */
#ifndef DROVER_ADDR_H
#define DROVER_ADDR_H

#include <sys/socket.h>

#include "drover/err.h"

/* Fill ss and *len from s; DR_EINVAL when s is not a numeric address with
 * a port 1-65535. */
int dr_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len) DR_MUSTCHECK;

#endif
