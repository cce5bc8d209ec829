// SPDX-License-Identifier: GPL-2.0
/* The Pyroscope client against a Python http.server that records each request: method, path, query (the
 * url-encoded series name), the multipart body parsed by Python's email package and compared byte for byte;
 * then every kind of bad answer (error status, garbage, silence, a huge body, slowness, nobody listening) gives
 * an error and never a crash, and an unreachable server costs one timeout per back-off period. */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/pyroscope.h"
#include "unit.h"

static const char server_py[] =
	"import email.parser, email.policy, http.server, os, sys, time, urllib.parse\n"
	"mode, out = sys.argv[1], sys.argv[2]\n"
	"def save(name, data):\n"
	"    with open(os.path.join(out, name), 'wb') as f:\n"
	"        f.write(data if isinstance(data, bytes) else data.encode())\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    protocol_version = 'HTTP/1.1'\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"    def do_POST(self):\n"
	"        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))\n"
	"        with open(os.path.join(out, 'requests'), 'a') as f:\n"
	"            f.write('%d\\n' % self.client_address[1])\n"
	"        u = urllib.parse.urlsplit(self.path)\n"
	"        save('method', self.command)\n"
	"        save('path', u.path)\n"
	"        save('raw_query', u.query)\n"
	"        save('expect', self.headers.get('Expect', ''))\n"
	"        for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items():\n"
	"            save('q_' + k, ','.join(v))\n"
	"        ctype = self.headers.get('Content-Type', '')\n"
	"        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(\n"
	"            b'Content-Type: ' + ctype.encode() + b'\\r\\n\\r\\n' + body)\n"
	"        parts = list(msg.iter_parts()) if msg.is_multipart() else []\n"
	"        save('nparts', str(len(parts)))\n"
	"        for p in parts[:1]:\n"
	"            save('part_name', p.get_param('name', header='content-disposition') or '')\n"
	"            save('part_filename', p.get_filename() or '')\n"
	"            save('part_type', p.get_content_type())\n"
	"            save('part_body', p.get_payload(decode=True))\n"
	"        if mode == 'slow':\n"
	"            time.sleep(3)\n"
	"        if mode == 'garbage':\n"
	"            self.wfile.write(b'SPDY/9 what\\r\\n\\r\\n')\n"
	"            self.close_connection = True\n"
	"            return\n"
	"        if mode == 'silent':\n"
	"            self.close_connection = True\n"
	"            return\n"
	"        status, text = {'ok': (200, b'ok'), 'bad': (400, b'bad request: missing name\\nmore'),\n"
	"                        'huge': (500, b'\\x1b[31m' + b'x' * (8 << 20))}.get(mode, (200, b''))\n"
	"        self.send_response(status)\n"
	"        self.send_header('Content-Length', str(len(text)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(text)\n"
	"s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
	"print(s.server_address[1], os.getpid(), flush=True)\n"
	"s.serve_forever()\n";

struct server {
	FILE *pipe;
	int port, pid;
	char dir[64];
};

static void server_start(struct server *s, const char *mode)
{
	char script[128], cmd[256];
	FILE *f;

	strcpy(s->dir, "/tmp/gotrace-pyro-XXXXXX");
	CHECK(mkdtemp(s->dir) != NULL);
	snprintf(script, sizeof(script), "%s/server.py", s->dir);
	f = fopen(script, "w");
	CHECK(f && fputs(server_py, f) >= 0);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "exec python3 %s %s %s", script, mode, s->dir);
	s->pipe = popen(cmd, "r");
	CHECK(s->pipe && fscanf(s->pipe, "%d %d", &s->port, &s->pid) == 2);
}

static void server_stop(struct server *s)
{
	char cmd[128];

	kill(s->pid, SIGTERM);
	pclose(s->pipe);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	CHECK(system(cmd) == 0);
}

/* The content of a file the server recorded, NUL-terminated (NULL when absent); its length in *len. */
static char *recorded(const struct server *s, const char *name, size_t *len)
{
	char path[128];
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	CHECK(data && fread(data, 1, (size_t)n, f) == (size_t)n);
	data[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return data;
}

static void check_recorded(const struct server *s, const char *name, const char *want)
{
	char *got = recorded(s, name, NULL);

	if (!got || strcmp(got, want))
		fprintf(stderr, "    %s: got \"%s\", want \"%s\"\n", name, got ? got : "(none)", want);
	CHECK(got && !strcmp(got, want));
	free(got);
}

static int requests(const struct server *s)
{
	char *log = recorded(s, "requests", NULL);
	int n = 0;

	for (char *c = log; c && *c; c++)
		n += *c == '\n';
	free(log);
	return n;
}

static struct pyroscope *client(const struct server *s, const char *path, long timeout_ms)
{
	struct http_client_options opts = { .timeout_ms = timeout_ms, .backoff_ms = 60000 };
	struct pyroscope *p = NULL;
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
	CHECK(pyroscope_open(url, &opts, &p) == 0);
	return p;
}

/* A binary "profile" full of what a multipart body must survive: CR LF, "--", NUL bytes. */
static unsigned char blob[70000];

static const struct pyroscope_label labels[] = {
	{ "pid", "42" }, { "comm", "a,b}c" }, { "bad-name", "x" }, { "empty", "" }, { "host", " web 3 " },
};

static struct pyroscope_profile profile(void)
{
	struct pyroscope_profile prof = {
		.app = "shop.api", .labels = labels, .nlabels = 5, .from_ns = 1767323045678000000LL,
		.until_ns = 1767323105678000000LL, .sample_rate_hz = 99, .pprof = blob, .len = sizeof(blob),
	};

	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(i * 7 + (i >> 8));
	memcpy(blob + 100, "\r\n--boundary\r\n\0--", 17);
	return prof;
}

TEST(request_is_what_pyroscope_expects)
{
	struct pyroscope_profile prof = profile();
	struct server s;
	struct pyroscope *p;
	const char *encoded = "name=shop.api%7Bpid%3D42%2Ccomm%3Da_b_c%2Chost%3Dweb%203%7D&";
	char err[256];
	size_t len = 0;
	char *body;

	server_start(&s, "ok");
	p = client(&s, "/base/", 5000);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	check_recorded(&s, "method", "POST");
	check_recorded(&s, "path", "/base/ingest");
	check_recorded(&s, "q_name", "shop.api{pid=42,comm=a_b_c,host=web 3}");
	check_recorded(&s, "q_from", "1767323045");
	check_recorded(&s, "q_until", "1767323105");
	check_recorded(&s, "q_format", "pprof");
	check_recorded(&s, "q_sampleRate", "99");
	check_recorded(&s, "q_spyName", "gotrace");
	check_recorded(&s, "expect", "");
	check_recorded(&s, "nparts", "1");
	check_recorded(&s, "part_name", "profile");
	check_recorded(&s, "part_filename", "profile.pprof");
	check_recorded(&s, "part_type", "application/octet-stream");
	body = recorded(&s, "part_body", &len);
	CHECK(body && len == sizeof(blob) && !memcmp(body, blob, sizeof(blob)));
	free(body);
	body = recorded(&s, "raw_query", NULL);
	CHECK(body && !strncmp(body, encoded, strlen(encoded)));
	free(body);
	pyroscope_close(p);
	server_stop(&s);
}

TEST(connection_is_reused)
{
	struct pyroscope_profile prof = profile();
	struct server s;
	struct pyroscope *p;
	char err[256], *log, first[16], second[16];

	server_start(&s, "ok");
	p = client(&s, "", 5000);
	prof.sample_rate_hz = 0;
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == 0);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == 0);
	log = recorded(&s, "requests", NULL);
	CHECK(log && sscanf(log, "%15s %15s", first, second) == 2 && !strcmp(first, second));	/* one client port */
	free(log);
	CHECK(recorded(&s, "q_sampleRate", NULL) == NULL);	/* 0: not sent */
	pyroscope_close(p);
	server_stop(&s);
}

/* Pushes once to a server in `mode`; checks the result and, when want_err is set, the start of the message. */
static void check_answer(const char *mode, long timeout_ms, int want_rc, const char *want_err)
{
	struct pyroscope_profile prof = profile();
	struct server s;
	struct pyroscope *p;
	char err[512];

	server_start(&s, mode);
	p = client(&s, "", timeout_ms);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == want_rc);
	if (want_err && strncmp(err, want_err, strlen(want_err)) != 0)
		fprintf(stderr, "    %s: got \"%s\"\n", mode, err);
	CHECK(!want_err || !strncmp(err, want_err, strlen(want_err)));
	CHECK(strlen(err) < 300 && !strchr(err, '\n') && !strchr(err, '\x1b'));
	pyroscope_close(p);
	server_stop(&s);
}

TEST(bad_answers_are_errors)
{
	check_answer("bad", 5000, -EPROTO, "HTTP 400: bad request: missing name");
	check_answer("huge", 10000, -EPROTO, "HTTP 500: ?[31mxxxx");
	check_answer("garbage", 5000, -EPROTO, NULL);
	check_answer("silent", 5000, -EPROTO, NULL);
	check_answer("empty-200", 5000, 0, NULL);
}

TEST(timeout_then_back_off)
{
	struct pyroscope_profile prof = profile();
	struct timespec a, b;
	struct server s;
	struct pyroscope *p;
	char err[256];

	server_start(&s, "slow");
	p = client(&s, "", 500);
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -ETIMEDOUT);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -EAGAIN);	/* backing off: nothing sent */
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 2000);
	CHECK_STR(err, "server unreachable at the last attempt; retrying in at most 60 s");
	CHECK(requests(&s) == 1);
	pyroscope_close(p);
	server_stop(&s);
}

TEST(nobody_listening)
{
	struct http_client_options opts = { .backoff_ms = 100 };
	struct pyroscope_profile prof = profile();
	struct pyroscope *p;
	struct server s;
	char url[64], err[256];

	server_start(&s, "ok");	/* a port that was free a moment ago */
	server_stop(&s);
	usleep(100000);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	CHECK(pyroscope_open(url, &opts, &p) == 0);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -ECONNREFUSED);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -EAGAIN);
	usleep(150000);							/* the 100 ms back-off passed */
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -ECONNREFUSED);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -EAGAIN);	/* now 200 ms */
	usleep(150000);
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -EAGAIN);
	pyroscope_close(p);
}

TEST(invalid_inputs)
{
	struct pyroscope_profile prof = profile();
	struct pyroscope *p = NULL;
	char err[256];

	CHECK(pyroscope_open("ftp://x", NULL, &p) == -EINVAL && p == NULL);
	CHECK(pyroscope_open(NULL, NULL, &p) == -EINVAL);
	CHECK(pyroscope_open("http://127.0.0.1:9", NULL, &p) == 0);
	prof.until_ns = prof.from_ns - 1;
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -EINVAL);
	prof = profile();
	prof.pprof = NULL;
	CHECK(pyroscope_push(p, &prof, err, sizeof(err)) == -EINVAL);
	CHECK(pyroscope_push(p, NULL, err, sizeof(err)) == -EINVAL);
	pyroscope_close(p);
	pyroscope_close(NULL);
}

TEST(series_names)
{
	struct pyroscope_label l[] = { { "k", "v" }, { "__reserved", "x" }, { "pid", "1" }, { "bad key", "x" },
				       { "u", "caf\xc3\xa9 \xff\x01" }, { "n", NULL } };
	char out[128];

	CHECK(pyroscope_series_name(out, sizeof(out), "shop/api-v2.x", l, 1) == 0);
	CHECK_STR(out, "shop/api-v2.x{k=v}");
	CHECK(pyroscope_series_name(out, sizeof(out), "a b{c}", NULL, 0) == 0);
	CHECK_STR(out, "a_b_c_{}");
	CHECK(pyroscope_series_name(out, sizeof(out), "", l, 6) == 0);
	CHECK_STR(out, "unknown{k=v,pid=1,u=caf\xc3\xa9 __}");
	CHECK(pyroscope_series_name(out, 5, "service", NULL, 0) == -ENAMETOOLONG);
	CHECK(pyroscope_series_name(out, 0, "service", NULL, 0) == -ENAMETOOLONG);
}
