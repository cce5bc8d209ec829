// SPDX-License-Identifier: GPL-2.0
/* The HTTP side of the daemon on libmicrohttpd. The listening socket is made here rather than by the library,
 * so that a failure to bind says why (address in use, permission) instead of a bare NULL. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/http_server.h"

#define MAX_CONNECTIONS 64
#define IDLE_TIMEOUT_S 10
#define DEFAULT_CONTENT_TYPE "text/plain; charset=utf-8"

struct http_server {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* http_server_notify: what the handlers read has changed */
	struct http_route *routes;
	int nroutes;
	int port;
	struct http_server_stats stats;
};

/* Counters are atomic rather than under the lock: the daemon may read them while it holds the lock. */
static void count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static const struct http_route *find_route(const struct http_server *s, const char *url)
{
	for (int i = 0; i < s->nroutes; i++)
		if (!strcmp(s->routes[i].path, url))
			return &s->routes[i];
	return NULL;
}

/* Queues a response with body (taken over: freed by libmicrohttpd, or here on failure). */
static enum MHD_Result answer(struct MHD_Connection *c, int status, const char *content_type, char *body,
			      size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
		 : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;	/* closes the connection: nothing better to do without memory */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, int status, const char *text)
{
	return answer(c, status, DEFAULT_CONTENT_TYPE, strdup(text), strlen(text));
}

/* The server whose handler this thread is running (http_server_wait's). */
static __thread struct http_server *serving;

/* Runs a route's handler under the server's lock. */
static enum MHD_Result run_route(struct http_server *s, struct MHD_Connection *c, const struct http_route *r)
{
	struct http_response resp = { .status = 200, .content_type = DEFAULT_CONTENT_TYPE };
	int err;

	pthread_mutex_lock(&s->lock);
	serving = s;
	err = r->handler(r->ctx, &resp);
	serving = NULL;
	pthread_mutex_unlock(&s->lock);
	count(&s->stats.requests);
	if (err)
		count(&s->stats.handler_errors);
	if (err || resp.status < 100 || resp.status > 599 || !resp.content_type) {
		free(resp.body);
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
	}
	return answer(c, resp.status, resp.content_type, resp.body, resp.body ? resp.body_len : 0);
}

/* libmicrohttpd calls this once the headers are in, again for each chunk of a request body, and once more when
 * the request is complete. GET and HEAD are answered then, so that the connection can stay open for the next
 * scrape (an answer given earlier makes the library close it). Other methods are refused at once: their body
 * is never read, and the connection is closed after the 405. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	static int seen;	/* marks a request whose first call has passed */
	struct http_server *s = cls;
	const struct http_route *r;

	(void)version, (void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		count(&s->stats.requests);
		count(&s->stats.bad_method);
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n");
	}
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body on a GET: ignored */
		return MHD_YES;
	}
	r = find_route(s, url);
	if (!r) {
		count(&s->stats.requests);
		count(&s->stats.not_found);
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	return run_route(s, c, r);
}

/* ---- listen addresses ---- */

static int parse_port(const char *s, in_port_t *port)
{
	uint64_t v;

	if (cli_parse_u64(s, 0, 65535, &v))
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

static int listen_ipv6(const char *s, struct sockaddr_storage *addr, socklen_t *len, const char **why)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	const char *close = strchr(s, ']');
	char host[INET6_ADDRSTRLEN];

	*why = "an IPv6 host is written [ADDRESS]:PORT, e.g. [::1]:9465";
	if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s + 1, close - s - 1);
	host[close - s - 1] = '\0';
	sin6->sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
		return *why = "not a numeric IPv6 address inside [ ]", -EINVAL;
	if (parse_port(close + 2, &sin6->sin6_port))
		return *why = "the port must be a number from 0 to 65535", -EINVAL;
	*len = sizeof(*sin6);
	return 0;
}

static int listen_ipv4(const char *s, struct sockaddr_storage *addr, socklen_t *len, const char **why)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	size_t n;

	*why = "expected HOST:PORT, e.g. 127.0.0.1:9465, [::1]:9465 or :9465 (every interface)";
	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (memchr(s, ':', n))
		return *why = "an IPv6 host goes in brackets, e.g. [::1]:9465", -EINVAL;
	sin->sin_family = AF_INET;
	if (n == 9 && !strncmp(s, "localhost", 9)) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (n == 0) {
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	} else {
		if (n >= sizeof(host))
			return *why = "the host must be a numeric IPv4 address, [IPv6], localhost, or empty", -EINVAL;
		memcpy(host, s, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return *why = "the host must be a numeric IPv4 address, [IPv6], localhost, or empty", -EINVAL;
	}
	if (parse_port(colon + 1, &sin->sin_port))
		return *why = "the port must be a number from 0 to 65535", -EINVAL;
	*len = sizeof(*sin);
	return 0;
}

int http_server_parse_listen(const char *s, struct sockaddr_storage *addr, socklen_t *addr_len, const char **why)
{
	memset(addr, 0, sizeof(*addr));
	if (!s || !*s) {
		*why = "empty: expected HOST:PORT, e.g. 127.0.0.1:9465";
		return -EINVAL;
	}
	return s[0] == '[' ? listen_ipv6(s, addr, addr_len, why) : listen_ipv4(s, addr, addr_len, why);
}

/* ---- the server ---- */

/* A bound, listening, non-blocking socket; its port in *port. */
static int listen_socket(const struct sockaddr_storage *addr, socklen_t len, int *port)
{
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, err;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);

	if (fd < 0)
		return -errno;
	/* a restarted daemon must not wait for the old one's connections in TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						  : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

static int copy_routes(struct http_server *s, const struct http_route *routes, int nroutes)
{
	if (nroutes < 0 || (nroutes && !routes))
		return -EINVAL;
	s->routes = calloc(nroutes ? nroutes : 1, sizeof(*s->routes));
	if (!s->routes)
		return -ENOMEM;
	for (int i = 0; i < nroutes; i++) {
		if (!routes[i].path || routes[i].path[0] != '/' || !routes[i].handler)
			return -EINVAL;
		s->routes[i] = routes[i];
		s->routes[i].path = strdup(routes[i].path);
		s->nroutes = i + 1;
		if (!s->routes[i].path)
			return -ENOMEM;
	}
	return 0;
}

static void free_server(struct http_server *s)
{
	for (int i = 0; i < s->nroutes; i++)
		free((char *)s->routes[i].path);
	free(s->routes);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->changed);
	free(s);
}

/* A condition variable timed on CLOCK_MONOTONIC: a change of the wall clock does not stretch a handler's wait. */
static int init_cond(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int err = pthread_condattr_init(&a);

	if (err)
		return err;
	err = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) ?: pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return err;
}

static int start_mhd(struct http_server *s, int fd, int family)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S, MHD_OPTION_END);
	return s->mhd ? 0 : -ENOMEM;
}

int http_server_start(const char *listen, const struct http_route *routes, int nroutes, struct http_server **out,
		      char *err, size_t err_size)
{
	struct sockaddr_storage addr;
	struct http_server *s;
	const char *why;
	socklen_t len;
	int fd, rc;

	*out = NULL;
	if (http_server_parse_listen(listen, &addr, &len, &why)) {
		snprintf(err, err_size, "invalid listen address '%s': %s", listen ? listen : "", why);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	if (init_cond(&s->changed)) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	rc = copy_routes(s, routes, nroutes);
	if (rc) {
		snprintf(err, err_size, rc == -ENOMEM ? "out of memory" : "invalid routes (a path starting with '/' "
									   "and a handler each)");
		free_server(s);
		return rc;
	}
	fd = listen_socket(&addr, len, &s->port);
	if (fd < 0) {
		snprintf(err, err_size, "cannot listen on %s: %s", listen, strerror(-fd));
		free_server(s);
		return fd;
	}
	rc = start_mhd(s, fd, addr.ss_family);
	if (rc) {
		/* whether the library closed the socket on its way out is not documented: close it only if open
		 * (start-up is single-threaded, the number cannot have been reused) */
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		snprintf(err, err_size, "cannot start the HTTP server on %s (out of memory or threads)", listen);
		free_server(s);
		return rc;
	}
	*out = s;
	return 0;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);	/* joins its thread and closes the listening socket */
	free_server(s);
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_lock(struct http_server *s)
{
	pthread_mutex_lock(&s->lock);
}

void http_server_unlock(struct http_server *s)
{
	pthread_mutex_unlock(&s->lock);
}

int http_server_wait(uint64_t timeout_ns)
{
	struct http_server *s = serving;
	struct timespec until;

	if (!s)
		return -EPERM;	/* not in a handler */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(timeout_ns / 1000000000u);
	until.tv_nsec += (long)(timeout_ns % 1000000000u);
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	return -pthread_cond_timedwait(&s->changed, &s->lock, &until);
}

void http_server_notify(struct http_server *s)
{
	pthread_cond_broadcast(&s->changed);
}

void http_server_get_stats(struct http_server *s, struct http_server_stats *st)
{
	st->requests = __atomic_load_n(&s->stats.requests, __ATOMIC_RELAXED);
	st->not_found = __atomic_load_n(&s->stats.not_found, __ATOMIC_RELAXED);
	st->bad_method = __atomic_load_n(&s->stats.bad_method, __ATOMIC_RELAXED);
	st->handler_errors = __atomic_load_n(&s->stats.handler_errors, __ATOMIC_RELAXED);
}
