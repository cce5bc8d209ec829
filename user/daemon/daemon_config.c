// SPDX-License-Identifier: GPL-2.0
/* The daemon's configuration as one table of keys: each key's value type parses, validates, clears and writes
 * it, so the config file, the command line and the effective-config dump cannot drift apart. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "daemon/daemon_config.h"
#include "sys/kube.h"
#include "lib/duration.h"
#include "lib/http_server.h"
#include "daemon/pyroscope.h"
#include "lib/http_client.h"
#include "tracer/capability_names.h"

#define NS_PER_S 1000000000ull
#define MAX_LINE 4096
#define MAX_LIST 1024		/* values of one repeatable key: a typo'd loop in a generated file stops here */
#define DURATION_EXAMPLES "examples: 500ms, 60s, 5m, 1h, 7d"

/* ---- value types ---- */

struct config_key;

struct value_type {
	/* Stores value into field (repeatable types append); 0 or -EINVAL with *why set, -ENOMEM. */
	int (*parse)(const struct config_key *k, void *field, const char *value, const char **why);
	void (*clear)(void *field);
	void (*write)(FILE *out, const struct config_key *k, const void *field);
};

struct bit_name {
	const char *name;
	unsigned bit;
};

struct config_key {
	const char *name;
	const struct value_type *type;
	size_t offset;
	bool repeatable;
	uint64_t min, max;		/* numbers and durations */
	const char *range;		/* why, when out of [min, max]; for a list of names, why it is not one */
	const struct bit_name *names;	/* a list of names: each sets a bit */
	size_t nnames;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int set_string(char **field, const char *value)
{
	char *copy = dup_or_null(value);

	if (value && !copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static void clear_string(void *field)
{
	free(*(char **)field);
	*(char **)field = NULL;
}

static void write_string(FILE *out, const struct config_key *k, const void *field)
{
	const char *s = *(char *const *)field;

	fprintf(out, "%s = %s\n", k->name, s ? s : "none");
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* -- profile-dir: an absolute path or "none" -- */

static int parse_dir(const struct config_key *k, void *field, const char *value, const char **why)
{
	(void)k;
	if (!strcmp(value, "none"))
		return set_string(field, NULL);
	if (value[0] != '/' || has_control_chars(value) || strlen(value) > 1024) {
		*why = "must be an absolute directory path, or none";
		return -EINVAL;
	}
	return set_string(field, value);
}

static const struct value_type dir_type = { parse_dir, clear_string, write_string };

/* -- listen -- */

static int parse_listen_value(const struct config_key *k, void *field, const char *value, const char **why)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)k;
	if (http_server_parse_listen(value, &ss, &len, why))
		return -EINVAL;
	return set_string(field, value);
}

static const struct value_type listen_type = { parse_listen_value, clear_string, write_string };

/* -- pyroscope-url: http(s)://[user:password@]host[:port][/path] or "none" -- */

static int parse_url(const struct config_key *k, void *field, const char *value, const char **why)
{
	char *copy;
	size_t n;
	int err;

	(void)k;
	if (!strcmp(value, "none"))
		return set_string(field, NULL);
	*why = http_check_base_url(value);
	if (*why)
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	for (n = strlen(copy); n > 0 && copy[n - 1] == '/'; n--)	/* "/ingest" gets appended */
		copy[n - 1] = '\0';
	err = set_string(field, copy);
	free(copy);
	return err;
}

static const struct value_type url_type = { parse_url, clear_string, write_string };

/* -- pyroscope-app: Pyroscope's application-name characters -- */

static int parse_app(const struct config_key *k, void *field, const char *value, const char **why)
{
	(void)k;
	if (!*value || strlen(value) > 128 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							   "0123456789_.-/") != strlen(value)) {
		*why = "use 1 to 128 of the characters Pyroscope allows in an application name: A-Z a-z 0-9 _ . - /";
		return -EINVAL;
	}
	return set_string(field, value);
}

static const struct value_type app_type = { parse_app, clear_string, write_string };

/* -- durations: cli.h's forms ("7d", "36h", "500ms") -- */

static int parse_duration(const struct config_key *k, void *field, const char *value, const char **why)
{
	uint64_t ns;

	if (cli_parse_duration(value, k->min == 0, &ns)) {
		*why = "not a duration (" DURATION_EXAMPLES ")";
		return -EINVAL;
	}
	if (ns < k->min || ns > k->max) {
		*why = k->range;
		return -EINVAL;
	}
	*(uint64_t *)field = ns;
	return 0;
}

static void clear_u64(void *field)
{
	*(uint64_t *)field = 0;
}

static void write_duration(FILE *out, const struct config_key *k, const void *field)
{
	char text[32];

	fprintf(out, "%s = %s\n", k->name, format_duration_exact(*(const uint64_t *)field, text, sizeof(text)));
}

static const struct value_type duration_type = { parse_duration, clear_u64, write_duration };

/* -- sizes: "512MiB", "1G" (binary), "10GB" (decimal), bare bytes -- */

static const struct { const char *suffix; double bytes; } size_units[] = {
	{ "", 1 },	    { "B", 1 },	      { "K", 1024.0 },	   { "KiB", 1024.0 },	  { "KB", 1e3 },  { "kB", 1e3 },
	{ "M", 1048576.0 }, { "MiB", 1048576.0 }, { "MB", 1e6 }, { "G", 1073741824.0 }, { "GiB", 1073741824.0 },
	{ "GB", 1e9 },	    { "T", 1099511627776.0 }, { "TiB", 1099511627776.0 }, { "TB", 1e12 },
};

static int parse_size_value(const char *s, uint64_t *bytes)
{
	double v, scaled;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
		if (strcmp(end, size_units[i].suffix) != 0)
			continue;
		scaled = v * size_units[i].bytes;
		if (scaled >= 9.2e18 || scaled != floor(scaled))
			return -EINVAL;	/* overflow, or a fraction of a byte */
		*bytes = (uint64_t)scaled;
		return 0;
	}
	return -EINVAL;
}

static int parse_size(const struct config_key *k, void *field, const char *value, const char **why)
{
	uint64_t bytes;

	(void)k;
	if (parse_size_value(value, &bytes)) {
		*why = "not a size (examples: 0 for no limit, 500MiB, 2GiB, 10GB, 1048576)";
		return -EINVAL;
	}
	*(uint64_t *)field = bytes;
	return 0;
}

static void write_size(FILE *out, const struct config_key *k, const void *field)
{
	static const struct { const char *suffix; uint64_t bytes; } units[] = {
		{ "TiB", 1ull << 40 }, { "GiB", 1ull << 30 }, { "MiB", 1ull << 20 }, { "KiB", 1ull << 10 }, { "", 1 },
	};
	uint64_t v = *(const uint64_t *)field;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (v % units[i].bytes == 0) {
			fprintf(out, "%s = %llu%s\n", k->name, (unsigned long long)(v / units[i].bytes),
				v ? units[i].suffix : "");
			return;
		}
}

static const struct value_type size_type = { parse_size, clear_u64, write_size };

/* -- counts -- */

static int parse_count(const struct config_key *k, void *field, const char *value, const char **why)
{
	uint64_t v;

	if (cli_parse_u64(value, k->min, k->max, &v)) {
		*why = k->range;
		return -EINVAL;
	}
	*(uint64_t *)field = v;
	return 0;
}

static void write_count(FILE *out, const struct config_key *k, const void *field)
{
	fprintf(out, "%s = %llu\n", k->name, (unsigned long long)*(const uint64_t *)field);
}

static const struct value_type count_type = { parse_count, clear_u64, write_count };

static int parse_uint(const struct config_key *k, void *field, const char *value, const char **why)
{
	uint64_t v;
	int err = parse_count(k, &v, value, why);

	if (!err)
		*(unsigned *)field = (unsigned)v;
	return err;
}

static void clear_uint(void *field)
{
	*(unsigned *)field = 0;
}

static void write_uint(FILE *out, const struct config_key *k, const void *field)
{
	fprintf(out, "%s = %u\n", k->name, *(const unsigned *)field);
}

static const struct value_type uint_type = { parse_uint, clear_uint, write_uint };

/* -- names that set bits: profile-types ("cpu,offcpu"), otlp-signals ("metrics,profiles") -- */

static const struct bit_name profile_type_names[] = {
	{ "cpu", DAEMON_PROFILE_CPU },
	{ "offcpu", DAEMON_PROFILE_OFFCPU },
};

static const struct bit_name otlp_signal_names[] = {
	{ "metrics", DAEMON_OTLP_METRICS },
	{ "profiles", DAEMON_OTLP_PROFILES },
};

static int parse_names(const struct config_key *k, void *field, const char *value, const char **why)
{
	unsigned bits = 0;
	size_t n;

	for (const char *s = value; *s; s += n + (s[n] == ',')) {
		unsigned bit = 0;

		n = strcspn(s, ",");
		for (size_t i = 0; i < k->nnames; i++)
			if (strlen(k->names[i].name) == n && !strncmp(s, k->names[i].name, n))
				bit = k->names[i].bit;
		if (!bit || (s[n] == ',' && !s[n + 1])) {
			*why = k->range;
			return -EINVAL;
		}
		bits |= bit;
	}
	if (!bits) {
		*why = k->range;
		return -EINVAL;
	}
	*(unsigned *)field = bits;
	return 0;
}

static void write_names(FILE *out, const struct config_key *k, const void *field)
{
	unsigned bits = *(const unsigned *)field;
	const char *sep = "";

	fprintf(out, "%s = ", k->name);
	for (size_t i = 0; i < k->nnames; i++)
		if (bits & k->names[i].bit) {
			fprintf(out, "%s%s", sep, k->names[i].name);
			sep = ",";
		}
	fputc('\n', out);
}

static const struct value_type names_type = { parse_names, clear_uint, write_names };

/* -- gc-source: "memstats" or "probes" (bool gc_from_probes) -- */

static int parse_gc_source(const struct config_key *k, void *field, const char *value, const char **why)
{
	(void)k;
	if (strcmp(value, "memstats") && strcmp(value, "probes")) {
		*why = "memstats (each GC cycle's pause from the runtime's record, no probe) or probes (every stop "
		       "timed by uprobes, with its reason)";
		return -EINVAL;
	}
	*(bool *)field = strcmp(value, "probes") == 0;
	return 0;
}

static void clear_bool(void *field)
{
	*(bool *)field = false;
}

static void write_gc_source(FILE *out, const struct config_key *k, const void *field)
{
	fprintf(out, "%s = %s\n", k->name, *(const bool *)field ? "probes" : "memstats");
}

static const struct value_type gc_source_type = { parse_gc_source, clear_bool, write_gc_source };

/* -- capabilities: "all" or capability names, bit i for all_capabilities[i] -- */

#define ALL_CAPABILITIES ((1u << CAPABILITY_NAMES_COUNT) - 1)

static int capability_bit(const char *name, size_t len, unsigned *bit)
{
	for (size_t i = 0; i < CAPABILITY_NAMES_COUNT; i++)
		if (strlen(capability_names[i]) == len && !strncmp(name, capability_names[i], len)) {
			*bit = 1u << i;
			return 0;
		}
	return -EINVAL;
}

static int parse_capabilities(const struct config_key *k, void *field, const char *value, const char **why)
{
	unsigned bits = 0, bit;
	size_t n;

	(void)k;
	*why = "all, or a comma-separated list of gc, sched, goroutines, cgroup, waits, memory (example: "
	       "gc,goroutines,cgroup,memory)";
	if (!strcmp(value, "all")) {
		*(unsigned *)field = ALL_CAPABILITIES;
		return 0;
	}
	for (const char *s = value; *s; s += n + (s[n] == ',')) {
		n = strcspn(s, ",");
		if (capability_bit(s, n, &bit) || (s[n] == ',' && !s[n + 1]))
			return -EINVAL;
		bits |= bit;
	}
	if (!bits)
		return -EINVAL;
	*(unsigned *)field = bits;
	return 0;
}

static void write_capabilities(FILE *out, const struct config_key *k, const void *field)
{
	unsigned bits = *(const unsigned *)field;
	const char *sep = "";

	if (bits == ALL_CAPABILITIES) {
		fprintf(out, "%s = all\n", k->name);
		return;
	}
	fprintf(out, "%s = ", k->name);
	for (size_t i = 0; i < CAPABILITY_NAMES_COUNT; i++)
		if (bits & (1u << i)) {
			fprintf(out, "%s%s", sep, capability_names[i]);
			sep = ",";
		}
	fputc('\n', out);
}

static const struct value_type capabilities_type = { parse_capabilities, clear_uint, write_capabilities };

/* -- lists of strings: executable globs, cgroup globs, container id prefixes -- */

static int list_append(struct daemon_str_list *l, const char *value)
{
	char **bigger, *copy;

	if (l->n >= MAX_LIST)
		return -E2BIG;
	bigger = realloc(l->items, (l->n + 1) * sizeof(*l->items));
	if (!bigger)
		return -ENOMEM;
	l->items = bigger;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	l->items[l->n++] = copy;
	return 0;
}

static void clear_list(void *field)
{
	struct daemon_str_list *l = field;

	for (int i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static void write_list(FILE *out, const struct config_key *k, const void *field)
{
	const struct daemon_str_list *l = field;

	for (int i = 0; i < l->n; i++)
		fprintf(out, "%s = %s\n", k->name, l->items[i]);
}

static int append_checked(void *field, const char *value, const char **why)
{
	int err = list_append(field, value);

	if (err == -E2BIG) {
		*why = "too many values for this key (at most 1024)";
		return -EINVAL;
	}
	return err;
}

static int parse_exe_glob(const struct config_key *k, void *field, const char *value, const char **why)
{
	if (!*value || strlen(value) > 255 || has_control_chars(value) || strchr(value, '/')) {
		*why = "a glob on the executable's base name, without '/' (examples: myservice, api-*, *-worker)";
		return -EINVAL;
	}
	(void)k;
	return append_checked(field, value, why);
}

static const struct value_type exe_glob_type = { parse_exe_glob, clear_list, write_list };

static int parse_cgroup_glob(const struct config_key *k, void *field, const char *value, const char **why)
{
	if ((value[0] != '/' && value[0] != '*') || strlen(value) > 4096 || has_control_chars(value)) {
		*why = "a glob on the cgroup path, starting with '/' or '*' ('*' also matches '/'; examples: "
		       "/system.slice/*, */kubepods*)";
		return -EINVAL;
	}
	(void)k;
	return append_checked(field, value, why);
}

static const struct value_type cgroup_glob_type = { parse_cgroup_glob, clear_list, write_list };

static int parse_container(const struct config_key *k, void *field, const char *value, const char **why)
{
	char lower[65];
	size_t n = strlen(value);

	if (n == 0 || n > 64 || strspn(value, "0123456789abcdefABCDEF") != n) {
		*why = "a container id or a prefix of one: 1 to 64 hex digits (example: 3f4e9a1b2c)";
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)value[i]);
	(void)k;
	return append_checked(field, lower, why);
}

static const struct value_type container_type = { parse_container, clear_list, write_list };

/* -- pid: "1234" or "1234,5678"; the field is the config, for pids and npids -- */

static int parse_pids(const struct config_key *k, void *field, const char *value, const char **why)
{
	struct daemon_config *c = field;
	char *copy = strdup(value), *save, *tok;
	int err = copy ? 0 : -ENOMEM, pid, *bigger;

	(void)k;
	*why = "a process id, or several separated by commas (example: 1234,5678)";
	if (copy && (!*copy || *copy == ',' || copy[strlen(copy) - 1] == ',' || strstr(copy, ",,")))
		err = -EINVAL;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !err; tok = strtok_r(NULL, ",", &save)) {
		if (cli_parse_pid(tok, &pid) || c->npids >= MAX_LIST) {
			err = -EINVAL;
			break;
		}
		bigger = realloc(c->pids, (c->npids + 1) * sizeof(*c->pids));
		if (!bigger) {
			err = -ENOMEM;
			break;
		}
		c->pids = bigger;
		c->pids[c->npids++] = pid;
	}
	free(copy);
	return err;
}

static void clear_pids(void *field)
{
	struct daemon_config *c = field;

	free(c->pids);
	c->pids = NULL;
	c->npids = 0;
}

static void write_pids(FILE *out, const struct config_key *k, const void *field)
{
	const struct daemon_config *c = field;

	for (int i = 0; i < c->npids; i++)
		fprintf(out, "%s = %d\n", k->name, c->pids[i]);
}

static const struct value_type pids_type = { parse_pids, clear_pids, write_pids };

/* -- service-label rules; the field is the config, for service_rules and nservice_rules -- */

static bool env_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static void free_service_rule(struct service_rule *r)
{
	if (r->kind == SERVICE_FROM_CGROUP)
		regfree(&r->re);
	free(r->env_name);
	free(r->text);
}

/* The end of a bracket expression starting at s ('['): "[]a]" and "[^]a]" hold a literal ']'. */
static const char *bracket_end(const char *s)
{
	s += 1 + (s[1] == '^');
	if (*s == ']')
		s++;
	while (*s && *s != ']')
		s++;
	return *s ? s : s - 1;
}

/* How much a repetition may multiply the compiled pattern: glibc's regcomp copies the repeated part (x{n,m}
 * into m copies, x+ into two), so nested repetitions multiply. */
static uint64_t repeat_factor(const char *s, const char **end)
{
	unsigned long n = 0, m;
	char *stop;

	*end = s;
	if (*s != '{')
		return 2;
	n = strtoul(s + 1, &stop, 10);
	m = *stop == ',' ? (isdigit((unsigned char)stop[1]) ? strtoul(stop + 1, &stop, 10) : n + 1) : n;
	if (*stop == ',')
		stop++;
	*end = *stop == '}' ? stop : s;
	m = m > n ? m : n;
	return m < 4096 ? m + 1 : 4097;	/* huge counts (strtoul saturates) must not wrap to a small factor */
}

/* Whether a service-label regex is cheap to compile and to run: at most 256 bytes, no back-references (which
 * make matching exponential), and repetitions whose product (as if all nested) stays under 4096. Without this a
 * slip like "a++++++++++++++++++++" takes gigabytes in regcomp. */
static const char *regex_cost(const char *pattern)
{
	uint64_t product = 1;

	if (strlen(pattern) > 256)
		return "longer than 256 characters";
	for (const char *s = pattern; *s; s++) {
		if (*s == '\\' && s[1]) {
			if (isdigit((unsigned char)*++s))
				return "back-references (\\1) are not supported";
		} else if (*s == '[') {
			s = bracket_end(s);
		} else if (strchr("*+?{", *s)) {
			product *= repeat_factor(s, &s);
			if (product > 4096)
				return "too many or too large repetitions (*, +, ?, {n,m}): keep it simple";
		}
	}
	return NULL;
}

static int compile_cgroup_rule(struct service_rule *r, const char *pattern, const char **why)
{
	*why = regex_cost(pattern);
	if (*why)
		return -EINVAL;
	if (!*pattern || regcomp(&r->re, pattern, REG_EXTENDED) != 0) {
		*why = "cgroup: needs a valid POSIX extended regular expression";
		return -EINVAL;
	}
	if (r->re.re_nsub != 1) {
		regfree(&r->re);
		*why = "the cgroup: regex needs exactly one capture group ( ), the service name";
		return -EINVAL;
	}
	r->kind = SERVICE_FROM_CGROUP;
	return 0;
}

/* Builds r from its text; on failure nothing stays allocated. */
static int make_service_rule(struct service_rule *r, const char *value, const char **why)
{
	int err = 0;

	*why = "one of: exe, container, cgroup:REGEX (one capture group, e.g. cgroup:/([^/]+)\\.service$), "
	       "env:NAME (e.g. env:SERVICE_NAME)";
	memset(r, 0, sizeof(*r));
	if (!strcmp(value, "exe"))
		r->kind = SERVICE_FROM_EXE;
	else if (!strcmp(value, "container"))
		r->kind = SERVICE_FROM_CONTAINER;
	else if (!strncmp(value, "env:", 4) && env_name_ok(value + 4))
		r->kind = SERVICE_FROM_ENV;
	else if (!strncmp(value, "cgroup:", 7))
		err = compile_cgroup_rule(r, value + 7, why);
	else
		err = -EINVAL;
	if (err)
		return err;
	r->text = strdup(value);
	if (r->kind == SERVICE_FROM_ENV)
		r->env_name = strdup(value + 4);
	if (!r->text || (r->kind == SERVICE_FROM_ENV && !r->env_name)) {
		free_service_rule(r);
		return -ENOMEM;
	}
	return 0;
}

static int parse_service(const struct config_key *k, void *field, const char *value, const char **why)
{
	struct daemon_config *c = field;
	struct service_rule r, *bigger;
	int err;

	(void)k;
	if (c->nservice_rules >= 64) {
		*why = "at most 64 service-label rules";
		return -EINVAL;
	}
	err = make_service_rule(&r, value, why);
	if (err)
		return err;
	bigger = realloc(c->service_rules, (c->nservice_rules + 1) * sizeof(r));
	if (!bigger) {
		free_service_rule(&r);
		return -ENOMEM;
	}
	c->service_rules = bigger;
	c->service_rules[c->nservice_rules++] = r;
	return 0;
}

static void clear_service(void *field)
{
	struct daemon_config *c = field;

	for (int i = 0; i < c->nservice_rules; i++)
		free_service_rule(&c->service_rules[i]);
	free(c->service_rules);
	c->service_rules = NULL;
	c->nservice_rules = 0;
}

static void write_service(FILE *out, const struct config_key *k, const void *field)
{
	const struct daemon_config *c = field;

	for (int i = 0; i < c->nservice_rules; i++)
		fprintf(out, "%s = %s\n", k->name, c->service_rules[i].text);
}

static const struct value_type service_type = { parse_service, clear_service, write_service };

/* ---- the keys ---- */

#define FIELD(f) offsetof(struct daemon_config, f)
#define WHOLE 0	/* the type works on the whole config (several fields) */

static const struct config_key keys[] = {
	{ .name = "listen", .type = &listen_type, .offset = FIELD(listen) },
	{ .name = "profile-dir", .type = &dir_type, .offset = FIELD(profile_dir) },
	{ .name = "profile-interval", .type = &duration_type, .offset = FIELD(profile_interval_ns),
	  .min = NS_PER_S, .max = 86400 * NS_PER_S, .range = "must be from 1s to 1d" },
	{ .name = "profile-types", .type = &names_type, .offset = FIELD(profile_types),
	  .names = profile_type_names, .nnames = 2,
	  .range = "a comma-separated list of cpu and offcpu (example: cpu,offcpu)" },
	{ .name = "profile-frequency", .type = &uint_type, .offset = FIELD(profile_hz), .min = 1, .max = 10000,
	  .range = "samples per second: 1 to 10000" },
	{ .name = "retention-count", .type = &count_type, .offset = FIELD(retention_count), .max = 100000000,
	  .range = "a number of files, 0 for no limit" },
	{ .name = "retention-age", .type = &duration_type, .offset = FIELD(retention_age_ns),
	  .max = 3650 * 86400 * NS_PER_S, .range = "must be from 0 (no limit) to 3650d" },
	{ .name = "retention-size", .type = &size_type, .offset = FIELD(retention_size) },
	{ .name = "pyroscope-url", .type = &url_type, .offset = FIELD(pyroscope_url) },
	{ .name = "pyroscope-app", .type = &app_type, .offset = FIELD(pyroscope_app) },
	{ .name = "parca-url", .type = &url_type, .offset = FIELD(parca_url) },
	{ .name = "otlp-endpoint", .type = &url_type, .offset = FIELD(otlp_endpoint) },
	{ .name = "otlp-interval", .type = &duration_type, .offset = FIELD(otlp_interval_ns), .min = NS_PER_S,
	  .max = 86400 * NS_PER_S, .range = "must be from 1s to 1d" },
	{ .name = "otlp-signals", .type = &names_type, .offset = FIELD(otlp_signals),
	  .names = otlp_signal_names, .nnames = 2,
	  .range = "a comma-separated list of metrics and profiles (example: metrics,profiles)" },
	{ .name = "allow-exe", .type = &exe_glob_type, .offset = FIELD(allow_exe), .repeatable = true },
	{ .name = "deny-exe", .type = &exe_glob_type, .offset = FIELD(deny_exe), .repeatable = true },
	{ .name = "allow-cgroup", .type = &cgroup_glob_type, .offset = FIELD(allow_cgroup), .repeatable = true },
	{ .name = "deny-cgroup", .type = &cgroup_glob_type, .offset = FIELD(deny_cgroup), .repeatable = true },
	{ .name = "allow-container", .type = &container_type, .offset = FIELD(allow_container), .repeatable = true },
	{ .name = "deny-container", .type = &container_type, .offset = FIELD(deny_container), .repeatable = true },
	{ .name = "pid", .type = &pids_type, .offset = WHOLE, .repeatable = true },
	{ .name = "service-label", .type = &service_type, .offset = WHOLE, .repeatable = true },
	{ .name = "gc-source", .type = &gc_source_type, .offset = FIELD(gc_from_probes) },
	{ .name = "capabilities", .type = &capabilities_type, .offset = FIELD(capabilities) },
	{ .name = "pod-log-dir", .type = &dir_type, .offset = FIELD(pod_log_dir) },
	{ .name = "scan-interval", .type = &duration_type, .offset = FIELD(scan_interval_ns), .min = 100000000,
	  .max = 3600 * NS_PER_S, .range = "must be from 100ms to 1h" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct config_key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && !strncmp(keys[i].name, name, len))
			return &keys[i];
	return NULL;
}

static void *field_of(struct daemon_config *c, const struct config_key *k)
{
	return (char *)c + k->offset;
}

static const char *const defaults[][2] = {
	{ "listen", "127.0.0.1:9465" },
	{ "profile-dir", "/var/lib/gotrace/profiles" },
	{ "profile-interval", "60s" },
	{ "profile-types", "cpu" },
	{ "profile-frequency", "99" },
	{ "otlp-interval", "60s" },
	{ "otlp-signals", "metrics" },
	{ "retention-age", "7d" },
	{ "retention-size", "1GiB" },
	{ "scan-interval", "30s" },
	{ "gc-source", "memstats" },
	{ "capabilities", "all" },
	{ "pod-log-dir", KUBE_LOG_DIR },
};

static int set_defaults(struct daemon_config *c)
{
	const char *why;
	int err = 0;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]) && !err; i++) {
		const struct config_key *k = find_key(defaults[i][0], strlen(defaults[i][0]));

		err = k->type->parse(k, field_of(c, k), defaults[i][1], &why);
	}
	return err;
}

void daemon_config_free(struct daemon_config *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		keys[i].type->clear(field_of(c, &keys[i]));
	free(c->config_path);
	memset(c, 0, sizeof(*c));
}

void daemon_config_write(const struct daemon_config *c, FILE *out)
{
	for (size_t i = 0; i < NKEYS; i++)
		keys[i].type->write(out, &keys[i], (const char *)c + keys[i].offset);
}

/* ---- loading ---- */

struct loader {
	struct daemon_config *cfg;
	char *err;
	size_t err_size;
	bool in_file[NKEYS];	/* a scalar key seen in the file: twice is a mistake */
	bool on_cli[NKEYS];	/* a repeatable key given as an option: its file values are dropped first */
	const char *file;	/* NULL for the command line */
	int line;
};

__attribute__((format(printf, 3, 4))) static int fail(struct loader *ld, int err, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	if (ld->file && ld->line)
		n = (size_t)snprintf(ld->err, ld->err_size, "%s:%d: ", ld->file, ld->line);
	if (n >= ld->err_size)
		return err;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, ld->err_size - n, fmt, ap);
	va_end(ap);
	return err;
}

/* A value as it may appear in a one-line message: at most 80 bytes, control characters as '?'. */
static const char *shown(const char *value, char *buf, size_t size)
{
	size_t n = 0;

	for (; value[n] && n + 4 < size && n < 80; n++)
		buf[n] = (unsigned char)value[n] < 0x20 || value[n] == 0x7f ? '?' : value[n];
	strcpy(buf + n, value[n] ? "..." : "");
	return buf;
}

static int apply(struct loader *ld, const struct config_key *k, const char *value)
{
	size_t i = (size_t)(k - keys);
	const char *why = "invalid value";
	char buf[96];
	int err;

	if (ld->file && !k->repeatable && ld->in_file[i])
		return fail(ld, -EINVAL, "%s is set twice in this file", k->name);
	if (ld->file)
		ld->in_file[i] = true;
	if (!ld->file && k->repeatable && !ld->on_cli[i]) {
		k->type->clear(field_of(ld->cfg, k));	/* options replace the file's list */
		ld->on_cli[i] = true;
	}
	/* the file trims values: an option's outer spaces could not be written back, and are a slip anyway */
	if (*value && (isspace((unsigned char)value[0]) || isspace((unsigned char)value[strlen(value) - 1]))) {
		why = "starts or ends with white space";
		err = -EINVAL;
	} else {
		err = k->type->parse(k, field_of(ld->cfg, k), value, &why);
	}
	if (err == -ENOMEM)
		return fail(ld, err, "out of memory");
	if (err)
		return fail(ld, err, "invalid %s%s '%s': %s", ld->file ? "" : "--", k->name,
			    shown(value, buf, sizeof(buf)), why);
	return 0;
}

static int unknown_key(struct loader *ld, const char *name, size_t len)
{
	char fixed[64], buf[96], *raw = strndup(name, len);
	const struct config_key *k = NULL;

	if (!raw)
		return fail(ld, -ENOMEM, "out of memory");
	if (len < sizeof(fixed)) {	/* profile_interval -> profile-interval */
		for (size_t i = 0; i <= len; i++)
			fixed[i] = raw[i] == '_' ? '-' : (char)tolower((unsigned char)raw[i]);
		k = find_key(fixed, len);
	}
	fail(ld, -EINVAL, "unknown %s '%s%s'%s%s%s", ld->file ? "key" : "option", ld->file ? "" : "--",
	     shown(raw, buf, sizeof(buf)), k ? " (did you mean '" : " (see --help)", k ? k->name : "", k ? "'?)" : "");
	free(raw);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One line of the file: blank, "# comment", or "key = value". */
static int apply_line(struct loader *ld, char *line)
{
	char *eq, *name, *value;
	const struct config_key *k;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return fail(ld, -EINVAL, "expected 'key = value' or a # comment");
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	if (!strcmp(name, "config"))
		return fail(ld, -EINVAL, "config cannot be set in a config file");
	k = find_key(name, strlen(name));
	return k ? apply(ld, k, value) : unknown_key(ld, name, strlen(name));
}

static int read_lines(struct loader *ld, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	while (!err && (n = getline(&line, &cap, f)) >= 0) {
		ld->line++;
		if (n > MAX_LINE)
			err = fail(ld, -EINVAL, "line longer than %d bytes", MAX_LINE);
		else if (strlen(line) != (size_t)n)
			err = fail(ld, -EINVAL, "NUL byte in the line: not a text file");
		else
			err = apply_line(ld, line);
	}
	if (!err && ferror(f))
		err = fail(ld, -EIO, "read error");
	free(line);
	return err;
}

static int load_file(struct loader *ld, const char *path)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f) {
		char buf[96];

		err = -errno;
		return fail(ld, err, "cannot read config file %s: %s", shown(path, buf, sizeof(buf)), strerror(-err));
	}
	ld->cfg->config_path = strdup(path);
	ld->file = path;
	ld->line = 0;
	err = ld->cfg->config_path ? read_lines(ld, f) : fail(ld, -ENOMEM, "out of memory");
	fclose(f);
	ld->file = NULL;
	return err;
}

/* ---- the command line ---- */

/* "-v", "-vv", ...: how many v's, or 0 for anything else. */
static int verbose_count(const char *arg)
{
	size_t n = strspn(arg + 1, "v");

	return arg[0] == '-' && n > 0 && !arg[1 + n] ? (int)n : 0;
}

/* The value of option argv[*i] ("--key=value" or "--key value"), NULL when it has none. */
static const char *option_value(int argc, char **argv, int *i, size_t *name_len)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');

	*name_len = eq ? (size_t)(eq - arg) : strlen(arg);
	if (eq)
		return eq + 1;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

/* First pass: --help and --config, which decide what else to read. */
static int scan_special(struct loader *ld, int argc, char **argv, const char **config)
{
	for (int i = 1; i < argc; i++) {
		size_t len;
		const char *v;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			ld->cfg->help = true;
			return 0;
		}
		if (strncmp(argv[i], "--config", 8) != 0 || (argv[i][8] && argv[i][8] != '='))
			continue;
		v = option_value(argc, argv, &i, &len);
		if (!v || !*v)
			return fail(ld, -EINVAL, "option --config needs a file name");
		*config = v;
	}
	return 0;
}

static int apply_options(struct loader *ld, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		const struct config_key *k;
		char buf[96];
		size_t len;
		int err;

		if (verbose_count(arg) || !strcmp(arg, "--verbose")) {
			ld->cfg->verbosity += verbose_count(arg) ? verbose_count(arg) : 1;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0 || !arg[2])
			return fail(ld, -EINVAL, "unexpected argument '%s' (options are --key value or --key=value; "
						 "see --help)", shown(arg, buf, sizeof(buf)));
		value = option_value(argc, argv, &i, &len);
		k = find_key(arg + 2, len);
		if (!k && len == 6 && !strncmp(arg + 2, "config", 6))
			continue;	/* read by scan_special */
		if (!k)
			return unknown_key(ld, arg + 2, len);
		if (!value)
			return fail(ld, -EINVAL, "option --%s needs a value", k->name);
		err = apply(ld, k, value);
		if (err)
			return err;
	}
	return 0;
}

int daemon_config_load(struct daemon_config *cfg, int argc, char **argv, bool default_file, char *err,
		       size_t err_size)
{
	struct loader ld = { .cfg = cfg, .err = err, .err_size = err_size };
	const char *config = NULL;
	int rc;

	if (err_size)
		err[0] = '\0';
	rc = set_defaults(cfg);
	if (rc)
		return fail(&ld, rc, "out of memory");
	rc = scan_special(&ld, argc, argv, &config);
	if (rc || cfg->help)
		return rc;
	if (!config && default_file && access(DAEMON_CONFIG_DEFAULT_PATH, F_OK) == 0)
		config = DAEMON_CONFIG_DEFAULT_PATH;
	if (config) {
		rc = load_file(&ld, config);
		if (rc)
			return rc;
	}
	return apply_options(&ld, argc, argv);
}

/* ---- help ---- */

const char *daemon_config_help(void)
{
	return
	"Usage: gotrace daemon [--config FILE] [--KEY VALUE | --KEY=VALUE]... [-v]\n"
	"\n"
	"Traces every Go process on the host (or those the rules below select), serves Prometheus metrics and\n"
	"writes a CPU profile of each process every profile-interval.\n"
	"\n"
	"Settings come from the defaults, then the config file, then the command line: an option wins over the\n"
	"file, and a repeatable option (--allow-exe ...) replaces all of that key's values from the file.\n"
	"The file (default " DAEMON_CONFIG_DEFAULT_PATH " when it exists) holds one 'key = value' per line with\n"
	"the same keys as the options; a line starting with # is a comment. Example:\n"
	"\n"
	"    # /etc/gotrace/daemon.conf\n"
	"    listen = 127.0.0.1:9465\n"
	"    profile-interval = 60s\n"
	"    allow-cgroup = /system.slice/*\n"
	"    deny-exe = *-test\n"
	"    service-label = env:SERVICE_NAME\n"
	"    service-label = cgroup:/system.slice/([^/]+)\\.service$\n"
	"\n"
	"Metrics:\n"
	"  listen ADDR             where /metrics and /healthz are served (default 127.0.0.1:9465);\n"
	"                          :9465 for every IPv4 interface, [::]:9465 for IPv4 and IPv6, [::1]:9465\n"
	"\n"
	"What is traced in every process:\n"
	"  capabilities LIST       all (default), or a comma-separated list of gc, sched, goroutines, cgroup,\n"
	"                          waits, memory. The cost to the processes: gc (with gc-source memstats),\n"
	"                          goroutines, cgroup and memory read memory and files, no probe; sched and\n"
	"                          waits run tracepoint programs on every context switch and futex call of a\n"
	"                          traced process, which busy programs feel (bench/daemon)\n"
	"\n"
	"GC pauses:\n"
	"  gc-source SOURCE        memstats (default): each cycle's pause (its stops together) from the\n"
	"                          runtime's own record (its cycle count read 10 times a second, the record\n"
	"                          when cycles wait): no probe, a cost that barely grows with the GC rate;\n"
	"                          probes: uprobes time every stop with its reason\n"
	"                          (gotrace_gc_pause_seconds{reason}) at one trap per stop\n"
	"\n"
	"Profiles:\n"
	"  profile-dir DIR         where profiles are written, as SERVICE-PID-TYPE-TIME.pb.gz (default\n"
	"                          /var/lib/gotrace/profiles); none: write no files\n"
	"  profile-interval DUR    one profile per process this often (default 60s; 1s to 1d)\n"
	"  profile-types LIST      cpu, offcpu or cpu,offcpu (default cpu)\n"
	"  profile-frequency HZ    cpu samples per second on each CPU (default 99)\n"
	"  retention-count N       keep at most N profile files (default 0: no limit)\n"
	"  retention-age DUR       delete profile files older than this (default 7d; 0: no limit)\n"
	"  retention-size SIZE     keep the directory's profiles under SIZE (default 1GiB; 0: no limit),\n"
	"                          e.g. 500MiB, 2GiB, 10GB; the oldest files go first\n"
	"  pyroscope-url URL       also push every profile to this Pyroscope server (http:// or https://,\n"
	"                          e.g. http://pyroscope:4040; default none)\n"
	"  pyroscope-app NAME      the application name in Pyroscope (default: the service name)\n"
	"  parca-url URL           also push every profile to this Parca server (its HTTP port, e.g.\n"
	"                          http://parca:7070; default none)\n"
	"\n"
	"OpenTelemetry (OTLP/HTTP, protobuf):\n"
	"  otlp-endpoint URL       send to this OTLP/HTTP receiver, e.g. http://otel-collector:4318 (default\n"
	"                          none); metrics go to URL/v1/metrics, profiles to URL/v1development/profiles\n"
	"  otlp-signals LIST       metrics (default), profiles, or metrics,profiles; profiles are OTLP's\n"
	"                          development signal (a Collector needs --feature-gates=service.profilesSupport)\n"
	"  otlp-interval DUR       metrics are sent this often (default 60s; 1s to 1d), and at stop;\n"
	"                          profiles every profile-interval, with the files\n"
	"\n"
	"Which processes (Go programs only):\n"
	"  pid PID[,PID...]        always trace these (repeatable)\n"
	"  deny-exe GLOB           never trace executables whose base name matches (repeatable)\n"
	"  deny-cgroup GLOB        never trace processes whose cgroup path matches; * also matches /\n"
	"  deny-container PREFIX   never trace containers whose id starts with PREFIX (hex)\n"
	"  allow-exe GLOB          with any allow rule or pid, trace only what one of them matches\n"
	"  allow-cgroup GLOB       (repeatable, like every allow-/deny- key)\n"
	"  allow-container PREFIX\n"
	"  Order: a listed pid is traced; otherwise a matching deny rule excludes; otherwise, when there is\n"
	"  any allow rule or pid, only a process an allow rule matches is traced; with none, every Go process.\n"
	"  scan-interval DUR       how often /proc is rescanned, a safety net besides the kernel's exec and\n"
	"                          exit events (default 30s); also at once when the kernel dropped one of\n"
	"                          them, and at least every 1s when they are unavailable\n"
	"\n"
	"Service names (label 'service' of metrics, file names, Pyroscope application):\n"
	"  service-label RULE      tried in order, the first non-empty result wins (repeatable; default exe):\n"
	"                            exe               the executable's base name\n"
	"                            container         the first 12 characters of the container id\n"
	"                            env:NAME          the process's environment variable NAME\n"
	"                            cgroup:REGEX      the capture group of REGEX (POSIX extended) on the\n"
	"                                              cgroup path, e.g. cgroup:/([^/]+)\\.service$\n"
	"                          the executable's name when no rule yields one\n"
	"\n"
	"Kubernetes (labels pod_uid and qos_class from the pod's cgroup, with either cgroup driver; namespace,\n"
	"pod and container names from the kubelet's log links, when the node has them):\n"
	"  pod-log-dir DIR         where the kubelet writes containers/ and pods/ (default /var/log; none: no\n"
	"                          names); in a DaemonSet, the host's /var/log mounted read-only\n"
	"\n"
	"Durations: 500ms, 60s, 5m, 1h, 7d. Sizes: bytes, or K/M/G/T (also KiB...: powers of 1024), KB/MB/GB/TB\n"
	"(powers of 1000).\n"
	"\n"
	"  -v, -vv                 more log messages\n"
	"  -h, --help              this text\n"
	"\n"
	"Examples:\n"
	"  gotrace daemon\n"
	"  gotrace daemon --config /etc/gotrace/daemon.conf --listen :9465\n"
	"  gotrace daemon --allow-exe 'api-*' --deny-cgroup '*/test.slice/*' --profile-types cpu,offcpu\n"
	"  gotrace daemon --pid 1234 --profile-dir /tmp/profiles --retention-count 100\n"
	"  gotrace daemon --pyroscope-url http://pyroscope:4040 --service-label env:SERVICE_NAME\n"
	"  gotrace daemon --otlp-endpoint http://otel-collector:4318 --otlp-signals metrics,profiles\n";
}
