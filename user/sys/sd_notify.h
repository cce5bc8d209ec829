/* SPDX-License-Identifier: GPL-2.0 */
/* systemd's service notification protocol (Type=notify, WatchdogSec=): a datagram to $NOTIFY_SOCKET. */
#ifndef GOTRACE_SD_NOTIFY_H
#define GOTRACE_SD_NOTIFY_H

#include <stdint.h>

/* Sends state ("READY=1", "WATCHDOG=1", "RELOADING=1", "STOPPING=1", "STATUS=..."). 0 when sent or when not run by
 * systemd (no NOTIFY_SOCKET); a negative errno otherwise. */
int sd_notify_send(const char *state);
/* The watchdog period systemd expects pings within ($WATCHDOG_USEC for this process), 0 when none. */
uint64_t sd_watchdog_ns(void);

#endif
