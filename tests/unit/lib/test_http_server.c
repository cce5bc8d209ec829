// SPDX-License-Identifier: GPL-2.0
/* The daemon's HTTP server on an ephemeral port, fetched with a raw socket, curl and Python's urllib: status
 * codes, headers, bodies, 404/405, a request body refused, the lock holding handlers back, idle clients holding
 * nobody back, the listen-address forms, clear errors for bad addresses, and no descriptor left after stop. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_capture.h"
#include "lib/http_server.h"
#include "lib/prom.h"
#include "unit.h"

static int metrics_calls;

static int metrics(void *ctx, struct http_response *r)
{
	(void)ctx;
	metrics_calls++;
	r->content_type = PROM_CONTENT_TYPE;
	r->body = strdup("# HELP up Up.\n# TYPE up gauge\nup 1\n");
	r->body_len = strlen(r->body);
	return 0;
}

static int healthz(void *ctx, struct http_response *r)
{
	r->body = strdup(ctx);
	r->body_len = strlen(r->body);
	return 0;
}

static int failing(void *ctx, struct http_response *r)
{
	(void)ctx;
	r->body = strdup("half-written");	/* must be freed by the server (the leak checker would say) */
	r->body_len = 12;
	return -EIO;
}

static int empty(void *ctx, struct http_response *r)
{
	(void)ctx;
	r->status = 204;
	return 0;
}

/* A handler that asks another thread for data and waits for it (the daemon's render on demand). */
static int fresh_version, fresh_asked, fresh_wait_result;

static int fresh(void *ctx, struct http_response *r)
{
	(void)ctx;
	__atomic_store_n(&fresh_asked, 1, __ATOMIC_SEQ_CST);
	fresh_wait_result = 0;
	while (!fresh_version && fresh_wait_result == 0)
		fresh_wait_result = http_server_wait(300000000);
	r->body = NULL;
	if (asprintf(&r->body, "v=%d wait=%d", fresh_version, fresh_wait_result) < 0)
		return -ENOMEM;
	r->body_len = strlen(r->body);
	return 0;
}

static const struct http_route routes[] = {
	{ "/metrics", metrics, NULL },
	{ "/healthz", healthz, "ok\n" },
	{ "/fail", failing, NULL },
	{ "/empty", empty, NULL },
	{ "/fresh", fresh, NULL },
};

static struct http_server *start(void)
{
	struct http_server *s = NULL;
	char err[256] = "";

	CHECK(http_server_start("127.0.0.1:0", routes, 5, &s, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK(s && http_server_port(s) > 0);
	return s;
}

/* ---- a raw client ---- */

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	return fd;
}

/* Reads until the server closes or timeout_ms passes without data; returns the bytes read. */
static size_t read_all(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t got;

	while (n + 1 < size && poll(&p, 1, timeout_ms) == 1 && (got = read(fd, buf + n, size - n - 1)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	return n;
}

static size_t raw_request(int port, const char *request, char *buf, size_t size)
{
	int fd = connect_to(port);
	size_t n;

	CHECK(write(fd, request, strlen(request)) == (ssize_t)strlen(request));
	n = read_all(fd, buf, size, 2000);
	close(fd);
	return n;
}

/* The value of a response header (case-insensitive name), copied into out; NULL when absent. */
static const char *header(const char *response, const char *name, char *out, size_t size)
{
	char want[64];
	const char *at, *end = strstr(response, "\r\n\r\n");

	snprintf(want, sizeof(want), "\r\n%s: ", name);
	at = strcasestr(response, want);
	if (!at || (end && at > end))
		return NULL;
	at += strlen(want);
	snprintf(out, size, "%.*s", (int)strcspn(at, "\r"), at);
	return out;
}

TEST(raw_socket_get_metrics)
{
	struct http_server *s = start();
	char resp[4096], value[128];

	raw_request(http_server_port(s), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp,
		    sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 200 OK\r\n", 17));
	CHECK(header(resp, "Content-Type", value, sizeof(value)) != NULL);
	CHECK_STR(value, "text/plain; version=0.0.4; charset=utf-8");
	CHECK(header(resp, "Content-Length", value, sizeof(value)) != NULL);
	CHECK_STR(value, "35");
	CHECK(strstr(resp, "\r\n\r\n# HELP up Up.\n# TYPE up gauge\nup 1\n") != NULL);
	http_server_stop(s);
}

TEST(raw_socket_statuses)
{
	struct http_server *s = start();
	int port = http_server_port(s);
	char resp[4096], value[64];

	raw_request(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 404 ", 13));
	raw_request(port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 405 ", 13));
	CHECK(header(resp, "Allow", value, sizeof(value)) && !strcmp(value, "GET, HEAD"));
	raw_request(port, "GET /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 500 ", 13) && !strstr(resp, "half-written"));
	raw_request(port, "GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 204 ", 13));
	raw_request(port, "GET /healthz?verbose=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp,
		    sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 200 ", 13) && strstr(resp, "\r\n\r\nok\n"));
	raw_request(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 200 ", 13) && !strstr(resp, "up 1"));
	/* a request body is not read: 405 at once, then the connection is closed */
	raw_request(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nhello", resp,
		    sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 405 ", 13));
	raw_request(port, "garbage\r\n\r\n", resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 400 ", 13) || resp[0] == '\0');
	http_server_stop(s);
}

/* Prometheus keeps its connection open between scrapes (one request at a time, no pipelining). */
TEST(keep_alive_serves_several_requests)
{
	struct http_server *s = start();
	const char *first = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *second = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	int fd = connect_to(http_server_port(s));
	char resp[8192];

	CHECK(write(fd, first, strlen(first)) == (ssize_t)strlen(first));
	read_all(fd, resp, sizeof(resp), 300);	/* the connection stays open: ends by the timeout */
	CHECK(strstr(resp, "\r\n\r\nok\n") && !strcasestr(resp, "Connection: close"));
	CHECK(write(fd, second, strlen(second)) == (ssize_t)strlen(second));
	read_all(fd, resp, sizeof(resp), 2000);
	CHECK(!strncmp(resp, "HTTP/1.1 200 ", 13) && strstr(resp, "up 1\n"));
	close(fd);
	http_server_stop(s);
}

/* ---- real clients ---- */

static void run(const char *fmt, int port, struct cmd_output *out)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, port);
	CHECK(cmd_capture(cmd, out) == 0);
}

TEST(curl_sees_statuses_and_headers)
{
	struct http_server *s = start();
	int port = http_server_port(s);
	struct cmd_output out;

	run("curl -s -o /dev/null -w '%%{http_code} %%{content_type}' http://127.0.0.1:%d/metrics", port, &out);
	CHECK_STR(out.out, "200 text/plain; version=0.0.4; charset=utf-8");
	cmd_output_free(&out);
	run("curl -s http://127.0.0.1:%d/healthz", port, &out);
	CHECK_STR(out.out, "ok\n");
	cmd_output_free(&out);
	run("curl -s -o /dev/null -w '%%{http_code}' -X POST -d x=1 http://127.0.0.1:%d/metrics", port, &out);
	CHECK_STR(out.out, "405");
	cmd_output_free(&out);
	run("curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/metrics/", port, &out);
	CHECK_STR(out.out, "404");
	cmd_output_free(&out);
	run("curl -s -I http://127.0.0.1:%d/metrics | tr -d '\\r' | grep -i '^content-length:'", port, &out);
	CHECK_STR(out.out, "Content-Length: 35\n");
	cmd_output_free(&out);
	http_server_stop(s);
}

TEST(python_urllib_reads_metrics)
{
	struct http_server *s = start();
	struct cmd_output out;

	run("python3 -c \"import urllib.request as u; r = u.urlopen('http://127.0.0.1:%d/metrics', timeout=5); "
	    "print(r.status, r.headers['Content-Type']); print(r.read().decode(), end='')\"",
	    http_server_port(s), &out);
	CHECK_STR(out.out, "200 text/plain; version=0.0.4; charset=utf-8\n# HELP up Up.\n# TYPE up gauge\nup 1\n");
	cmd_output_free(&out);
	http_server_stop(s);
}

/* ---- threads ---- */

TEST(lock_holds_handlers_back)
{
	struct http_server *s = start();
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char resp[4096];
	int fd, before;

	http_server_lock(s);
	before = metrics_calls;
	fd = connect_to(http_server_port(s));
	CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	CHECK(read_all(fd, resp, sizeof(resp), 300) == 0);	/* the handler waits for the lock */
	CHECK(metrics_calls == before);
	http_server_unlock(s);
	CHECK(read_all(fd, resp, sizeof(resp), 2000) > 0 && strstr(resp, "up 1\n"));
	CHECK(metrics_calls == before + 1);
	close(fd);
	http_server_stop(s);
}

/* A waiting handler has released the lock: the notifying thread can take it, change the data and wake it. */
TEST(a_handler_waits_for_a_notify_with_the_lock_released)
{
	struct http_server *s = start();
	const char *req = "GET /fresh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char resp[4096];
	int fd;

	CHECK(http_server_wait(1000) == -EPERM);	/* not in a handler */
	fresh_version = fresh_asked = 0;
	fd = connect_to(http_server_port(s));
	CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	for (int i = 0; i < 200 && !__atomic_load_n(&fresh_asked, __ATOMIC_SEQ_CST); i++)
		usleep(5000);
	CHECK(fresh_asked);
	http_server_lock(s);	/* would block for good if the waiting handler held it */
	fresh_version = 7;
	http_server_notify(s);
	http_server_unlock(s);
	CHECK(read_all(fd, resp, sizeof(resp), 2000) > 0 && strstr(resp, "v=7 wait=0"));
	close(fd);
	fresh_version = 0;	/* nobody notifies: the wait ends at its timeout */
	CHECK(raw_request(http_server_port(s), req, resp, sizeof(resp)) > 0 && strstr(resp, "v=0 wait=-110"));
	http_server_stop(s);
}

TEST(idle_clients_hold_nobody_back)
{
	struct http_server *s = start();
	int idle[20], port = http_server_port(s);
	char resp[4096];

	for (int i = 0; i < 20; i++) {
		idle[i] = connect_to(port);
		CHECK(write(idle[i], "GET /metrics HTTP/1.1\r\n", 23) == 23);	/* and never finish */
	}
	raw_request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
	CHECK(strstr(resp, "\r\n\r\nok\n") != NULL);
	for (int i = 0; i < 20; i++)
		close(idle[i]);
	http_server_stop(s);
}

/* ---- listen addresses ---- */

TEST(listen_addresses_resolve)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	const char *why = NULL;
	socklen_t len;

	CHECK(http_server_parse_listen("127.0.0.1:9465", &ss, &len, &why) == 0);
	CHECK(ss.ss_family == AF_INET && len == sizeof(*in) && ntohs(in->sin_port) == 9465);
	CHECK(in->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CHECK(http_server_parse_listen(":80", &ss, &len, &why) == 0 && in->sin_addr.s_addr == htonl(INADDR_ANY));
	CHECK(http_server_parse_listen("localhost:0", &ss, &len, &why) == 0);
	CHECK(in->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && in->sin_port == 0);
	CHECK(http_server_parse_listen("[::1]:1", &ss, &len, &why) == 0);
	CHECK(ss.ss_family == AF_INET6 && len == sizeof(*in6) && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
	CHECK(http_server_parse_listen("::1:80", &ss, &len, &why) == -EINVAL);
	CHECK_STR(why, "an IPv6 host goes in brackets, e.g. [::1]:9465");
	CHECK(http_server_parse_listen(NULL, &ss, &len, &why) == -EINVAL);
}

/* ---- start-up errors and clean-up ---- */

static void check_start_error(const char *listen, int want_rc, const char *want)
{
	struct http_server *s = (struct http_server *)1;
	char err[256] = "";

	CHECK(http_server_start(listen, routes, 4, &s, err, sizeof(err)) == want_rc);
	CHECK(s == NULL);
	if (strcmp(err, want) != 0)
		fprintf(stderr, "    got \"%s\"\n", err);
	CHECK_STR(err, want);
}

TEST(bad_addresses_say_why)
{
	struct http_server *s = start();
	char taken[64], want[128];

	check_start_error("9465", -EINVAL, "invalid listen address '9465': expected HOST:PORT, e.g. 127.0.0.1:9465, "
					   "[::1]:9465 or :9465 (every interface)");
	check_start_error("example.com:80", -EINVAL, "invalid listen address 'example.com:80': the host must be a "
						     "numeric IPv4 address, [IPv6], localhost, or empty");
	check_start_error("127.0.0.1:70000", -EINVAL, "invalid listen address '127.0.0.1:70000': the port must be a "
						      "number from 0 to 65535");
	check_start_error(NULL, -EINVAL, "invalid listen address '': empty: expected HOST:PORT, e.g. 127.0.0.1:9465");
	snprintf(taken, sizeof(taken), "127.0.0.1:%d", http_server_port(s));
	snprintf(want, sizeof(want), "cannot listen on %s: Address already in use", taken);
	check_start_error(taken, -EADDRINUSE, want);
	check_start_error("192.0.2.1:0", -EADDRNOTAVAIL, "cannot listen on 192.0.2.1:0: Cannot assign requested "
							 "address");
	http_server_stop(s);
	http_server_stop(NULL);
}

TEST(ipv6_loopback)
{
	struct http_server *s = NULL;
	struct cmd_output out;
	char err[256];

	CHECK(http_server_start("[::1]:0", routes, 4, &s, err, sizeof(err)) == 0);
	run("curl -s -g 'http://[::1]:%d/healthz'", http_server_port(s), &out);
	CHECK_STR(out.out, "ok\n");
	cmd_output_free(&out);
	http_server_stop(s);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

TEST(stop_leaves_no_descriptor_and_counts)
{
	struct http_server_stats st;
	char resp[4096];
	int before = open_fds();

	for (int i = 0; i < 20; i++) {
		struct http_server *s = start();
		int port = http_server_port(s);

		raw_request(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
		raw_request(port, "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
		raw_request(port, "PUT /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
		raw_request(port, "GET /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resp, sizeof(resp));
		http_server_get_stats(s, &st);
		CHECK(st.requests == 4 && st.not_found == 1 && st.bad_method == 1 && st.handler_errors == 1);
		http_server_stop(s);
	}
	CHECK(open_fds() == before);
}
