// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for target_rules.c: hostile process facts (and, when the input's first part is a config
 * file that loads, hostile rules). The input is cut at NULs: config text, executable name, cgroup path, container
 * id, then the environment block (NULs kept). The decision's reason must be one printable line; the service name
 * 1 to 63 of [A-Za-z0-9._-], never starting with '.', whatever the facts.
 * Build: scripts/fuzz.sh target_rules (its source list and flags; it runs the target too)
 * Run:   build/fuzz/fuzz_target_rules -max_total_time=300 build/fuzz/corpus_target_rules */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/target_rules.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

/* Rules of every kind, for inputs whose config part does not load. */
static char *fallback_args[] = {
	"daemon", "--allow-exe", "api-*", "--allow-exe", "[a-c]*?", "--deny-exe", "*test*", "--allow-cgroup",
	"/system.slice/*", "--deny-cgroup", "*/kubepods*/*", "--allow-container", "3f4e", "--deny-container", "ab",
	"--pid", "7", "--service-label", "env:SERVICE_NAME", "--service-label", "cgroup:/([^/]*)\\.scope$",
	"--service-label", "container", "--service-label", "env:A", NULL,
};

static int load_config(struct daemon_config *c, const char *text, size_t len)
{
	char path[64], err[512], *argv[] = { "daemon", "--config", path, NULL };
	int fd = memfd_create("conf", MFD_CLOEXEC), rc = -1;

	if (fd >= 0 && write(fd, text, len) == (ssize_t)len) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rc = daemon_config_load(c, 3, argv, false, err, sizeof(err));
	}
	if (fd >= 0)
		close(fd);
	if (rc) {
		daemon_config_free(c);
		rc = daemon_config_load(c, sizeof(fallback_args) / sizeof(fallback_args[0]) - 1, fallback_args, false,
					err, sizeof(err));
	}
	return rc;
}

/* The next NUL-terminated field at *at, or NULL past the end. */
static const char *field(const char *text, size_t size, size_t *at)
{
	const char *f = *at < size ? text + *at : NULL;

	if (f)
		*at += strlen(f) + 1;
	return f;
}

static void check_service(const char *s)
{
	size_t n = strlen(s);

	EXPECT(n >= 1 && n <= 63 && s[0] != '.');
	EXPECT(strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), why[200], service[64], small[3];
	struct process_facts p = { .pid = size ? data[0] % 16 : 1 };
	struct daemon_config c;
	size_t at = 0;
	const char *conf;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	conf = field(text, size, &at);
	EXPECT(load_config(&c, conf ? conf : "", conf ? strlen(conf) : 0) == 0);
	p.exe_name = field(text, size, &at);
	p.cgroup_path = field(text, size, &at);
	p.container_id = field(text, size, &at);
	p.environ = at < size ? text + at : NULL;
	p.environ_len = at < size ? size - at : 0;
	target_rules_allow(&c, &p, why, sizeof(why));
	for (const char *w = why; *w; w++)
		EXPECT((unsigned char)*w >= 0x20 && *w != 0x7f);
	EXPECT(target_rules_service(&c, &p, service, sizeof(service)) == 0);
	check_service(service);
	EXPECT(target_rules_service(&c, &p, small, sizeof(small)) == 0 && strlen(small) <= 2);
	daemon_config_free(&c);
	free(text);
	return 0;
}
