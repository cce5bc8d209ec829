// SPDX-License-Identifier: GPL-2.0
/* GOMAXPROCS from outside the process. The runtime's own variable is the truth (runtime.GOMAXPROCS(n) may have
 * changed it); without a symbol for it, the value follows from the same inputs the runtime used at start. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "caps/gomaxprocs.h"
#include "tracer/runtime_layout.h"

const char *environ_lookup(const char *block, size_t len, const char *name)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i < len;) {
		const char *entry = block + i;
		size_t elen = strnlen(entry, len - i);

		if (elen > nlen && strncmp(entry, name, nlen) == 0 && entry[nlen] == '=')
			return entry + nlen + 1;
		i += elen + 1;
	}
	return NULL;
}

bool godebug_disables_containermaxprocs(const char *godebug)
{
	const char *key = "containermaxprocs=0";
	const char *p = godebug;

	/* The last setting wins in GODEBUG; only an explicit =0 disables it. */
	bool off = false;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len >= 18 && strncmp(p, "containermaxprocs=", 18) == 0)
			off = len == strlen(key) && strncmp(p, key, len) == 0;
		p = comma ? comma + 1 : NULL;
	}
	return off;
}

int gomaxprocs_go125_default(int ncpu, double quota_cpus)
{
	int limit;

	if (quota_cpus <= 0)
		return ncpu;
	limit = (int)ceil(quota_cpus);
	if (limit < 2)
		limit = 2;
	return limit < ncpu ? limit : ncpu;
}

static int affinity_cpus(int pid)
{
	cpu_set_t set;

	if (sched_getaffinity(pid, sizeof(set), &set))
		return (int)sysconf(_SC_NPROCESSORS_ONLN);
	return CPU_COUNT(&set);
}

static char *read_environ(int pid, size_t *len)
{
	char path[64], *buf = malloc(65536);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	n = read(fd, buf, 65535);
	close(fd);
	*len = n > 0 ? (size_t)n : 0;
	buf[*len] = '\0';
	return buf;
}

static bool read_from_memory(const struct target *t, struct gomaxprocs_info *g)
{
	struct elf_symbol sym;
	int32_t v;

	if (elf_file_find_symbol(t->bin->elf, "runtime.gomaxprocs", &sym) || !sym.value)
		return false;
	if (proc_read_mem(t->proc.pid, sym.value + t->bias, &v, sizeof(v)) || v <= 0 || v > 1 << 20)
		return false;
	g->value = v;
	g->from_memory = true;
	g->source = "read from runtime.gomaxprocs";
	return true;
}

static bool container_aware(const struct target *t, const char *env_godebug)
{
	const struct go_version *v = &t->bin->version;
	const char *modinfo = t->bin->buildinfo.modinfo, *def;

	if (!t->bin->version_known || !go_version_at_least(*v, 1, 25))
		return false;
	if (env_godebug && godebug_disables_containermaxprocs(env_godebug))
		return false;
	/* go.mod's go line < 1.25 bakes containermaxprocs=0 into the binary's DefaultGODEBUG. */
	def = modinfo ? strstr(modinfo, "DefaultGODEBUG=") : NULL;
	if (def) {
		char line[2048];
		size_t n = strcspn(def + 15, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), def + 15);
		if (godebug_disables_containermaxprocs(line))
			return false;
	}
	return true;
}

void gomaxprocs_find(const struct target *t, double quota_cpus, struct gomaxprocs_info *g)
{
	size_t len = 0;
	char *env = read_environ(t->proc.pid, &len);
	const char *setting = env ? environ_lookup(env, len, "GOMAXPROCS") : NULL;
	uint64_t n;

	memset(g, 0, sizeof(*g));
	g->ncpu = affinity_cpus(t->proc.pid);
	g->cgroup_aware = !setting && container_aware(t, env ? environ_lookup(env, len, "GODEBUG") : NULL);
	if (read_from_memory(t, g)) {
		free(env);
		return;
	}
	if (setting && cli_parse_u64(setting, 1, 1 << 20, &n) == 0) {
		g->value = (int)n;
		g->source = "from the GOMAXPROCS environment variable";
	} else if (g->cgroup_aware) {
		g->value = gomaxprocs_go125_default(g->ncpu, quota_cpus);
		g->source = "estimated: Go 1.25+ default from the CPU quota";
	} else {
		g->value = g->ncpu;
		g->source = "estimated: the default, one per CPU the process may use";
	}
	free(env);
}
