// SPDX-License-Identifier: GPL-2.0
/* The daemon's configuration: defaults, the file, options over the file, every value type's accepted and refused
 * forms, one-line errors with file:line, the help text covering every key, and the effective-config dump loading
 * back to itself. */
#include <errno.h>
#include <unistd.h>

#include "daemon/daemon_config.h"
#include "tracer/capability.h"
#include "tracer/capability_names.h"
#include "unit.h"

#define S(ns) ((ns) * 1000000000ull)

static char conf_path[64];

/* Writes text to a fresh temporary config file (conf_path). */
static void write_conf(const char *text, size_t len)
{
	int fd;

	strcpy(conf_path, "/tmp/gotrace-conf-XXXXXX");
	fd = mkstemp(conf_path);
	CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
	close(fd);
}

/* Loads argv (NULL-terminated, "daemon" first) with the config file conf_path when with_file. */
static int load(struct daemon_config *c, char *err, bool with_file, const char **args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = "daemon";
	if (with_file) {
		argv[argc++] = "--config";
		argv[argc++] = conf_path;
	}
	for (; args && *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	return daemon_config_load(c, argc, argv, false, err, 256);
}

static unsigned capability_bit_of(const char *name)
{
	for (size_t i = 0; i < all_capabilities_count; i++)
		if (!strcmp(all_capabilities[i]->name, name))
			return 1u << i;
	return 0;
}

/* The daemon's configuration names the capabilities without linking them: the same names, in the same order. */
TEST(capability_names_are_all_capabilities)
{
	CHECK_EQ_U64(CAPABILITY_NAMES_COUNT, all_capabilities_count);
	for (size_t i = 0; i < all_capabilities_count; i++)
		CHECK_STR(capability_names[i], all_capabilities[i]->name);
}

TEST(defaults)
{
	struct daemon_config c;
	char err[256];

	CHECK(load(&c, err, false, NULL) == 0);
	CHECK_STR(c.listen, "127.0.0.1:9465");
	CHECK_STR(c.profile_dir, "/var/lib/gotrace/profiles");
	CHECK_EQ_U64(c.profile_interval_ns, S(60));
	CHECK(c.profile_types == DAEMON_PROFILE_CPU);
	CHECK(c.profile_hz == 99);
	CHECK_EQ_U64(c.retention_count, 0);
	CHECK_EQ_U64(c.retention_age_ns, S(7 * 86400));
	CHECK_EQ_U64(c.retention_size, 1ull << 30);
	CHECK(!c.pyroscope_url && !c.pyroscope_app && !c.config_path);
	CHECK(c.allow_exe.n == 0 && c.deny_exe.n == 0 && c.npids == 0 && c.nservice_rules == 0);
	CHECK_EQ_U64(c.scan_interval_ns, S(30));
	CHECK(!c.gc_from_probes);	/* GC pauses from the runtime's record: no probe */
	for (size_t i = 0; i < all_capabilities_count; i++)	/* every capability, as all are on by default */
		CHECK((c.capabilities & (1u << i)) && all_capabilities[i]->default_on);
	CHECK(!c.help && c.verbosity == 0 && err[0] == '\0');
	daemon_config_free(&c);
}

static const char full_file[] =
	"# gotrace daemon settings\n"
	"\n"
	"   listen   =   [::1]:9500   \n"
	"profile-dir = /srv/profiles\n"
	"profile-interval = 30s\n"
	"profile-types = offcpu,cpu\n"
	"profile-frequency = 49\n"
	"retention-count = 500\n"
	"retention-age = 1.5d\n"
	"retention-size = 512MiB\n"
	"pyroscope-url = https://user:pw@pyroscope.example:4040/base/\n"
	"pyroscope-app = shop.api\n"
	"\t# an indented comment\n"
	"allow-exe = api-*\n"
	"allow-exe = worker\n"
	"deny-exe = *-test\n"
	"allow-cgroup = /system.slice/*\n"
	"deny-cgroup = */test.slice/*\n"
	"allow-container = 3F4E\n"
	"deny-container = abcdef0123\n"
	"pid = 10,20\n"
	"pid = 30\n"
	"service-label = env:SERVICE_NAME\n"
	"service-label = cgroup:/([^/]+)\\.service$\n"
	"service-label = container\n"
	"scan-interval = 250ms\n"
	"gc-source = probes\n"
	"capabilities = memory,gc\n";

TEST(file_sets_every_key)
{
	struct daemon_config c;
	char err[256];

	write_conf(full_file, sizeof(full_file) - 1);
	CHECK(load(&c, err, true, NULL) == 0);
	CHECK_STR(err, "");
	CHECK_STR(c.listen, "[::1]:9500");
	CHECK_STR(c.profile_dir, "/srv/profiles");
	CHECK_EQ_U64(c.profile_interval_ns, S(30));
	CHECK(c.profile_types == (DAEMON_PROFILE_CPU | DAEMON_PROFILE_OFFCPU));
	CHECK(c.profile_hz == 49);
	CHECK_EQ_U64(c.retention_count, 500);
	CHECK_EQ_U64(c.retention_age_ns, S(36 * 3600));
	CHECK_EQ_U64(c.retention_size, 512ull << 20);
	CHECK_STR(c.pyroscope_url, "https://user:pw@pyroscope.example:4040/base");	/* trailing '/' dropped */
	CHECK_STR(c.pyroscope_app, "shop.api");
	CHECK(c.allow_exe.n == 2 && !strcmp(c.allow_exe.items[1], "worker"));
	CHECK(c.deny_exe.n == 1 && !strcmp(c.deny_exe.items[0], "*-test"));
	CHECK(c.allow_cgroup.n == 1 && c.deny_cgroup.n == 1);
	CHECK(c.allow_container.n == 1 && !strcmp(c.allow_container.items[0], "3f4e"));	/* lowercased */
	CHECK(c.npids == 3 && c.pids[0] == 10 && c.pids[1] == 20 && c.pids[2] == 30);
	CHECK(c.nservice_rules == 3);
	CHECK(c.service_rules[0].kind == SERVICE_FROM_ENV && !strcmp(c.service_rules[0].env_name, "SERVICE_NAME"));
	CHECK(c.service_rules[1].kind == SERVICE_FROM_CGROUP && c.service_rules[2].kind == SERVICE_FROM_CONTAINER);
	CHECK_EQ_U64(c.scan_interval_ns, S(1) / 4);
	CHECK(c.gc_from_probes);
	CHECK(c.capabilities == (capability_bit_of("gc") | capability_bit_of("memory")));
	CHECK_STR(c.config_path, conf_path);
	daemon_config_free(&c);
	unlink(conf_path);
}

TEST(options_override_the_file)
{
	const char *args[] = { "--listen=:9999", "--allow-exe", "only-this", "--pid", "7", "--deny-exe=x",
			       "--deny-exe", "y", "-vv", "--verbose", NULL };
	struct daemon_config c;
	char err[256];

	write_conf(full_file, sizeof(full_file) - 1);
	CHECK(load(&c, err, true, args) == 0);
	CHECK_STR(c.listen, ":9999");
	CHECK(c.allow_exe.n == 1 && !strcmp(c.allow_exe.items[0], "only-this"));	/* replaced, not added */
	CHECK(c.npids == 1 && c.pids[0] == 7);
	CHECK(c.deny_exe.n == 2 && !strcmp(c.deny_exe.items[1], "y"));
	CHECK(c.allow_cgroup.n == 1);						/* untouched keys keep the file's */
	CHECK_EQ_U64(c.profile_interval_ns, S(30));
	CHECK(c.verbosity == 3);
	daemon_config_free(&c);
	unlink(conf_path);
}

/* ---- errors ---- */

/* Loads a file holding `text` and expects `want` as the error after the "path:" prefix. */
static void check_file_error(const char *text, const char *want)
{
	struct daemon_config c;
	char err[256], full[320];

	write_conf(text, strlen(text));
	CHECK(load(&c, err, true, NULL) == -EINVAL);
	snprintf(full, sizeof(full), "%s:%s", conf_path, want);
	CHECK_STR(err, full);
	CHECK(!strchr(err, '\n'));
	daemon_config_free(&c);
	unlink(conf_path);
}

TEST(file_errors_name_file_and_line)
{
	check_file_error("listen = :1\n\nprofile-interval = 6Os\n",
			 "3: invalid profile-interval '6Os': not a duration (examples: 500ms, 60s, 5m, 1h, 7d)");
	check_file_error("profile_interval = 5s\n", "1: unknown key 'profile_interval' (did you mean "
						   "'profile-interval'?)");
	check_file_error("# ok\nbogus = 1\n", "2: unknown key 'bogus' (see --help)");
	check_file_error("listen :9465\n", "1: expected 'key = value' or a # comment");
	check_file_error("listen = :1\nlisten = :2\n", "2: listen is set twice in this file");
	check_file_error("config = /etc/x\n", "1: config cannot be set in a config file");
	check_file_error("scan-interval = 10ms\n", "1: invalid scan-interval '10ms': must be from 100ms to 1h");
	check_file_error("deny-exe = /usr/bin/x\n", "1: invalid deny-exe '/usr/bin/x': a glob on the executable's "
						    "base name, without '/' (examples: myservice, api-*, *-worker)");
	check_file_error("service-label = cgroup:/(a)(b)\n", "1: invalid service-label 'cgroup:/(a)(b)': the "
							   "cgroup: regex needs exactly one capture group ( ), "
							   "the service name");
}

TEST(file_errors_binary_and_long_lines)
{
	struct daemon_config c;
	char err[256], big[5000], *want;
	const char *hostile;

	write_conf("listen = :1\nprofile-dir = /a\0b\n", 30);
	CHECK(load(&c, err, true, NULL) == -EINVAL);
	CHECK(strstr(err, ":2: NUL byte in the line: not a text file") != NULL);
	daemon_config_free(&c);
	unlink(conf_path);
	memset(big, 'a', sizeof(big));
	memcpy(big, "profile-dir = /", 15);
	write_conf(big, sizeof(big));
	CHECK(load(&c, err, true, NULL) == -EINVAL);
	CHECK(strstr(err, ":1: line longer than 4096 bytes") != NULL);
	daemon_config_free(&c);
	unlink(conf_path);
	/* a hostile value is shown cut short and without control characters */
	hostile = "profile-dir = rel\x1b[31mative/path/that/goes/on/and/on/and/on/and/on/and/on/and/on/and/on/and/on/"
		  "and/on\n";
	write_conf(hostile, strlen(hostile));
	CHECK(load(&c, err, true, NULL) == -EINVAL);
	want = strstr(err, "'rel?[31mative/");
	CHECK(want != NULL && strstr(err, "...': must be an absolute directory path, or none") != NULL);
	daemon_config_free(&c);
	unlink(conf_path);
}

TEST(missing_config_file)
{
	struct daemon_config c;
	char err[256];

	strcpy(conf_path, "/nonexistent/gotrace.conf");
	CHECK(load(&c, err, true, NULL) == -ENOENT);
	CHECK_STR(err, "cannot read config file /nonexistent/gotrace.conf: No such file or directory");
	daemon_config_free(&c);
	strcpy(conf_path, "/no\nsuch");	/* shown on one line */
	CHECK(load(&c, err, true, NULL) == -ENOENT);
	CHECK_STR(err, "cannot read config file /no?such: No such file or directory");
	daemon_config_free(&c);
}

static void check_cli_error(const char **args, const char *want)
{
	struct daemon_config c;
	char err[256];

	CHECK(load(&c, err, false, args) == -EINVAL);
	CHECK_STR(err, want);
	daemon_config_free(&c);
}

TEST(option_errors)
{
	check_cli_error((const char *[]){ "--profile-interval", NULL }, "option --profile-interval needs a value");
	check_cli_error((const char *[]){ "--listen=nohost", NULL },
			"invalid --listen 'nohost': expected HOST:PORT, e.g. 127.0.0.1:9465, [::1]:9465 or :9465 "
			"(every interface)");
	check_cli_error((const char *[]){ "--frobnicate", "1", NULL }, "unknown option '--frobnicate' (see --help)");
	check_cli_error((const char *[]){ "--scan_interval=1s", NULL },
			"unknown option '--scan_interval' (did you mean 'scan-interval'?)");
	check_cli_error((const char *[]){ "1234", NULL },
			"unexpected argument '1234' (options are --key value or --key=value; see --help)");
	check_cli_error((const char *[]){ "-p", "1234", NULL },
			"unexpected argument '-p' (options are --key value or --key=value; see --help)");
	check_cli_error((const char *[]){ "--config", NULL }, "option --config needs a file name");
	check_cli_error((const char *[]){ "--deny-exe", "api ", NULL },
			"invalid --deny-exe 'api ': starts or ends with white space");
}

TEST(help_wins_over_a_broken_file)
{
	struct daemon_config c;
	char err[256];

	write_conf("garbage\n", 8);
	CHECK(load(&c, err, true, (const char *[]){ "--help", NULL }) == 0);
	CHECK(c.help);
	daemon_config_free(&c);
	unlink(conf_path);
}

/* ---- value types ---- */

/* Loads one --key=value and reports whether it was accepted. */
static bool accepts(const char *key, const char *value, struct daemon_config *c)
{
	char arg[512], err[256];
	const char *args[] = { arg, NULL };

	snprintf(arg, sizeof(arg), "--%s=%s", key, value);
	return load(c, err, false, args) == 0;
}

static void check_values(const char *key, const char *const *good, const char *const *bad)
{
	struct daemon_config c;
	bool ok;

	for (; *good; good++) {
		ok = accepts(key, *good, &c);
		if (!ok)
			fprintf(stderr, "    %s: '%s' refused\n", key, *good);
		CHECK(ok);
		daemon_config_free(&c);
	}
	for (; *bad; bad++) {
		ok = accepts(key, *bad, &c);
		if (ok)
			fprintf(stderr, "    %s: '%s' accepted\n", key, *bad);
		CHECK(!ok);
		daemon_config_free(&c);
	}
}

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

TEST(value_forms)
{
	check_values("listen", LIST("127.0.0.1:9465", ":0", "[::]:80", "[::1]:65535", "localhost:1", "0.0.0.0:9"),
		     LIST("", "9465", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "::1:9465", "[::1]9465", "[::1",
			  "example.com:80", "1.2.3:4", "[1.2.3.4]:5", "127.0.0.1:-1", "127.0.0.1: 80"));
	check_values("pyroscope-url", LIST("http://p:4040", "https://p", "http://[::1]:4040/x/", "none",
					   "https://u:p%40ss@h.example/pyro"),
		     LIST("p:4040", "ftp://p", "http://", "http://:80", "http://h:0", "http://h:99999", "http://h:x",
			  "http://h/a b", "http://h/?q=1", "http://h/#f", "http://[::1/x", "http://h\n"));
	check_values("pyroscope-app", LIST("api", "shop/api.v2", "a_b-c"), LIST("", "a b", "a{b}", "a,b"));
	check_values("profile-dir", LIST("/a", "none", "/var/lib/x y"), LIST("", "rel", "./x", "/a\tb"));
	check_values("profile-interval", LIST("1s", "60", "1.5m", "1d", "24h"), LIST("0", "999ms", "25h", "-1s",
										      "1x", "d", "1dd", ""));
	check_values("retention-age", LIST("0", "7d", "36h", "3650d"), LIST("3651d", "-1d", "7 d", "7days"));
	check_values("retention-size", LIST("0", "1048576", "512MiB", "1.5GiB", "10GB", "2G", "1kB", "3TiB"),
		     LIST("", "-1", "1.5", "1XB", "1 GiB", "1e30GiB", "0.5B", "GiB", "1gib"));
	check_values("retention-count", LIST("0", "1", "100000000"), LIST("-1", "1.5", "100000001", "x"));
	check_values("profile-frequency", LIST("1", "99", "10000"), LIST("0", "10001", "99hz"));
	check_values("gc-source", LIST("memstats", "probes"), LIST("", "uprobes", "Probes", "memstats,probes"));
	check_values("capabilities", LIST("all", "gc", "sched,waits", "gc,goroutines,cgroup,memory", "gc,gc"),
		     LIST("", "none", "gc,", ",gc", "gc,,sched", "GC", "gc,all", "offcpu"));
	check_values("profile-types", LIST("cpu", "offcpu", "cpu,offcpu", "offcpu,cpu,cpu"),
		     LIST("", "gpu", "cpu,", ",cpu", "cpu,,offcpu", "CPU"));
	check_values("allow-exe", LIST("api", "api-*", "[ab]*", "*"), LIST("", "/usr/bin/api", "a\tb"));
	check_values("deny-cgroup", LIST("/system.slice/*", "*/kubepods*", "/"), LIST("", "system.slice", "x/*"));
	check_values("allow-container", LIST("3f", "ABCDEF", "0123456789abcdef0123456789abcdef0123456789abcdef"
							      "0123456789abcdef"),
		     LIST("", "xyz", "3f-4e", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
	check_values("pid", LIST("1", "1,2,3", "4194304"), LIST("", "0", "-1", "1,", ",1", "1,,2", "a", "4194305",
								"1 2"));
	check_values("service-label", LIST("exe", "container", "env:SERVICE", "env:_x1", "cgroup:/([^/]+)$",
					   "cgroup:(.*)", "cgroup:cri-containerd-([0-9a-f]{64})\\.scope$",
					   "cgroup:[+*?{]*(x)\\{", "cgroup:a*b*c*d*e*f*g*h*i*j*k*l*(m)"),
		     LIST("", "exe:x", "env:", "env:1X", "env:A-B", "cgroup:", "cgroup:/x", "cgroup:(a)(b)",
			  "cgroup:([", "label:x", "cgroup:(a++++++++++++++++++++)", "cgroup:(x)\\1",
			  "cgroup:(a{100}){100}", "cgroup:(a{99999999999999999999999})",
			  "cgroup:a*b*c*d*e*f*g*h*i*j*k*l*m*(n)"));
	check_file_error("service-label = cgroup:(a+)+++++++++++++++\n",
			 "1: invalid service-label 'cgroup:(a+)+++++++++++++++': too many or too large repetitions "
			 "(*, +, ?, {n,m}): keep it simple");
}

/* ---- help and the effective configuration ---- */

TEST(help_covers_every_key)
{
	static const char *const keys[] = {
		"listen", "profile-dir", "profile-interval", "profile-types", "profile-frequency", "retention-count",
		"retention-age", "retention-size", "pyroscope-url", "pyroscope-app", "allow-exe", "deny-exe",
		"allow-cgroup", "deny-cgroup", "allow-container", "deny-container", "pid", "service-label",
		"scan-interval", "gc-source", "capabilities",
	};
	const char *help = daemon_config_help();
	char want[64];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(want, sizeof(want), "\n  %s ", keys[i]);
		CHECK(strstr(help, want) != NULL);
	}
	CHECK(strstr(help, "Examples:") && strstr(help, "--config"));
}

static char *written(const struct daemon_config *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	daemon_config_write(c, f);
	fclose(f);
	return text;
}

TEST(effective_config_loads_back_to_itself)
{
	const char *args[] = { "--retention-size=1000", "--profile-dir=none", "--retention-age=90m", NULL };
	struct daemon_config c, again;
	char err[256], *first, *second;
	size_t len, len2;

	write_conf(full_file, sizeof(full_file) - 1);
	CHECK(load(&c, err, true, args) == 0);
	first = written(&c, &len);
	CHECK(strstr(first, "retention-size = 1000\n") && strstr(first, "profile-dir = none\n"));
	CHECK(strstr(first, "retention-age = 90m\n") && strstr(first, "pid = 20\n"));
	CHECK(strstr(first, "service-label = cgroup:/([^/]+)\\.service$\n") != NULL);
	CHECK(strstr(first, "capabilities = gc,memory\n") != NULL);
	unlink(conf_path);
	write_conf(first, len);
	CHECK(load(&again, err, true, NULL) == 0);
	second = written(&again, &len2);
	CHECK_STR(second, first);
	free(first);
	free(second);
	daemon_config_free(&c);
	daemon_config_free(&again);
	unlink(conf_path);
}
