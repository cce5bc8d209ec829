/* SPDX-License-Identifier: GPL-2.0 */
/* A small HTTP server for /metrics and /healthz on libmicrohttpd: exact-path routes, GET and HEAD only. */
#ifndef GOTRACE_HTTP_SERVER_H
#define GOTRACE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What a handler fills in. The server frees body (malloc'ed) once sent, also when the handler fails. */
struct http_response {
	int status;			/* preset to 200 */
	const char *content_type;	/* a string that outlives the server; preset to "text/plain; charset=utf-8" */
	char *body;			/* malloc'ed, or NULL for an empty body */
	size_t body_len;
};

/* 0, or a negative errno: the client then gets 500 and whatever body was set is freed. */
typedef int (*http_handler)(void *ctx, struct http_response *resp);

struct http_route {
	const char *path;		/* matched exactly, query string excluded: "/metrics" */
	http_handler handler;
	void *ctx;
};

struct http_server_stats {
	uint64_t requests;		/* answered, whatever the status */
	uint64_t not_found, bad_method;	/* 404, 405 */
	uint64_t handler_errors;	/* 500 */
};

struct http_server;

/* A listen address: "127.0.0.1:9465", "[::1]:9465", "localhost:9465", ":9465" (every IPv4 interface),
 * "[::]:9465" (every interface, IPv4 and IPv6); numeric hosts only. Port 0 picks a free port. 0, or -EINVAL with
 * why pointing at a static explanation. */
int http_server_parse_listen(const char *s, struct sockaddr_storage *addr, socklen_t *addr_len, const char **why);

/* Listens on `listen` (http_server_parse_listen's forms: "127.0.0.1:9465", "[::1]:9465", ":9465") and serves
 * the routes (copied). Anything but GET and HEAD gets 405 with "Allow: GET, HEAD", an unknown path 404.
 *
 * Threads: one thread of libmicrohttpd's own serves every connection (event-driven, so a slow client holds no
 * other back) and calls the handlers one at a time with the server's mutex held. The daemon takes the same
 * mutex (http_server_lock) around changes to whatever the handlers read; a handler therefore sees a consistent
 * state and should be quick (render into memory, no I/O). At most 64 connections, 10 s idle timeout.
 *
 * 0, or a negative errno with one line in err: -EINVAL for a bad address ("invalid listen address 'x': ..."),
 * -EADDRINUSE, -EACCES ("cannot listen on 0.0.0.0:80: Permission denied"), -ENOMEM. */
int http_server_start(const char *listen, const struct http_route *routes, int nroutes, struct http_server **out,
		      char *err, size_t err_size);
/* Waits for a handler that is running, then closes every connection and the listening socket. NULL is fine. */
void http_server_stop(struct http_server *s);

/* The port listened on (the one picked when the address said port 0). */
int http_server_port(const struct http_server *s);

void http_server_lock(struct http_server *s);
void http_server_unlock(struct http_server *s);

/* In a handler (the lock held): waits, with the lock released meanwhile, until http_server_notify on its server or
 * timeout_ns. 0 when notified (or woken spuriously: check what was waited for), -ETIMEDOUT; -EPERM outside a
 * handler. For a handler that asks the thread owning the data for a fresh copy and waits for it. */
int http_server_wait(uint64_t timeout_ns);
/* With the lock held: wakes every handler in http_server_wait. */
void http_server_notify(struct http_server *s);

/* Callable with or without the lock held: the counters are atomic and only grow. */
void http_server_get_stats(struct http_server *s, struct http_server_stats *st);

#endif
