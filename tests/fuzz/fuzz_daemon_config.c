// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for daemon_config.c. The input, cut at its first NUL, is a config file; the rest, cut at
 * NULs, is the command line. Errors must be one line; a configuration that loads must write out a file that
 * loads back to the same text (daemon_config_write and the parsers agree), with every value in its range.
 * Build: scripts/fuzz.sh daemon_config (its source list and flags; it runs the target too)
 * Run:   build/fuzz/fuzz_daemon_config -max_total_time=300 build/fuzz/corpus_daemon_config */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/daemon_config.h"

#define EXPECT(cond)                     \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

#define MAX_ARGS 16

/* A memory file holding data; its /proc path in path. */
static int memory_file(const void *data, size_t len, char *path, size_t size)
{
	int fd = memfd_create("conf", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	snprintf(path, size, "/proc/self/fd/%d", fd);
	return fd;
}

static void check_ranges(const struct daemon_config *c)
{
	EXPECT(c->listen && c->profile_types && c->profile_hz >= 1 && c->profile_hz <= 10000);
	EXPECT(c->profile_interval_ns >= 1000000000ull && c->scan_interval_ns >= 100000000ull);
	EXPECT(!c->profile_dir || c->profile_dir[0] == '/');
	for (int i = 0; i < c->npids; i++)
		EXPECT(c->pids[i] >= 1);
	for (int i = 0; i < c->nservice_rules; i++)
		EXPECT(c->service_rules[i].text != NULL);
}

static char *written(const struct daemon_config *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	EXPECT(f != NULL);
	daemon_config_write(c, f);
	fclose(f);
	return text;
}

/* The written configuration loads back and writes the same text again. */
static void check_round_trip(const struct daemon_config *c)
{
	struct daemon_config again;
	char path[64], err[512], *first, *second;
	char *argv[] = { "daemon", "--config", path, NULL };
	size_t len, len2;
	int fd;

	first = written(c, &len);
	fd = memory_file(first, len, path, sizeof(path));
	EXPECT(fd >= 0);
	EXPECT(daemon_config_load(&again, 3, argv, false, err, sizeof(err)) == 0);
	second = written(&again, &len2);
	EXPECT(len == len2 && !memcmp(first, second, len));
	daemon_config_free(&again);
	close(fd);
	free(first);
	free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *argv[MAX_ARGS + 4], path[64], err[512];
	size_t file_len = strnlen((const char *)data, size);
	struct daemon_config c;
	int argc = 0, fd, rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fd = memory_file(text, file_len, path, sizeof(path));
	argv[argc++] = "daemon";
	if (fd >= 0) {
		argv[argc++] = "--config";
		argv[argc++] = path;
	}
	for (size_t at = file_len + 1; at < size && argc < MAX_ARGS; at += strlen(text + at) + 1)
		argv[argc++] = text + at;
	argv[argc] = NULL;
	rc = daemon_config_load(&c, argc, argv, false, err, sizeof(err));
	EXPECT(strlen(err) < sizeof(err) && !strchr(err, '\n'));
	EXPECT(rc == 0 ? err[0] == '\0' : err[0] != '\0');
	if (rc == 0 && !c.help) {
		check_ranges(&c);
		check_round_trip(&c);
	}
	daemon_config_free(&c);
	if (fd >= 0)
		close(fd);
	free(text);
	return 0;
}
