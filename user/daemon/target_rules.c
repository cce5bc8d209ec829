// SPDX-License-Identifier: GPL-2.0
/* The daemon's process selection and service naming, kept apart from /proc reading so that every rule is
 * tested on made-up processes. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "daemon/target_rules.h"

#define SERVICE_MAX 63
#define DELETED_SUFFIX " (deleted)"

/* One kind of rule: the config lists it uses and the fact of the process it looks at. */
struct rule_kind {
	const char *allow_key, *deny_key;
	size_t allow_offset, deny_offset;
	const char *fact_name;
	bool prefix;		/* container ids: a prefix, not a glob */
};

#define LIST(f) offsetof(struct daemon_config, f)

static const struct rule_kind rule_kinds[] = {
	{ "allow-exe", "deny-exe", LIST(allow_exe), LIST(deny_exe), "executable", false },
	{ "allow-cgroup", "deny-cgroup", LIST(allow_cgroup), LIST(deny_cgroup), "cgroup", false },
	{ "allow-container", "deny-container", LIST(allow_container), LIST(deny_container), "container", true },
};

#define NKINDS (sizeof(rule_kinds) / sizeof(rule_kinds[0]))

static const struct daemon_str_list *rule_list(const struct daemon_config *cfg, size_t offset)
{
	return (const struct daemon_str_list *)((const char *)cfg + offset);
}

/* The executable's name without the " (deleted)" the kernel appends once the file is replaced (a deploy). */
static const char *exe_name(const struct process_facts *p, char *buf, size_t size)
{
	size_t n, k = strlen(DELETED_SUFFIX);

	if (!p->exe_name)
		return NULL;
	n = strlen(p->exe_name);
	if (n <= k || strcmp(p->exe_name + n - k, DELETED_SUFFIX) != 0)
		return p->exe_name;
	snprintf(buf, size, "%.*s", (int)(n - k), p->exe_name);
	return buf;
}

static const char *fact_of(const struct process_facts *p, size_t kind, const char *exe)
{
	return kind == 0 ? exe : kind == 1 ? p->cgroup_path : p->container_id;
}

/* The first rule of the list that matches fact, or NULL. */
static const char *first_match(const struct daemon_str_list *l, const char *fact, bool prefix)
{
	if (!fact || !*fact)
		return NULL;
	for (int i = 0; i < l->n; i++) {
		const char *r = l->items[i];

		if (prefix ? strncmp(fact, r, strlen(r)) == 0 : fnmatch(r, fact, 0) == 0)
			return r;
	}
	return NULL;
}

/* A fact as it may appear in a one-line reason: at most 120 bytes, control characters as '?'. */
static void shown(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; s[n] && n + 1 < size && n < 120; n++)
		buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
	buf[n] = '\0';
}

static void say(char *why, size_t why_size, const char *key, const char *rule, const char *fact_name,
		const char *fact)
{
	char fact_buf[128];

	if (!why || !why_size)
		return;
	shown(fact, fact_buf, sizeof(fact_buf));
	snprintf(why, why_size, "%s '%s' matches the %s '%s'", key, rule, fact_name, fact_buf);
}

/* Whether some rule of the allow (or deny) side matches; says which in why. */
static bool any_rule(const struct daemon_config *cfg, const struct process_facts *p, const char *exe, bool deny,
		     char *why, size_t why_size)
{
	for (size_t k = 0; k < NKINDS; k++) {
		const struct rule_kind *rk = &rule_kinds[k];
		const char *fact = fact_of(p, k, exe);
		const char *hit = first_match(rule_list(cfg, deny ? rk->deny_offset : rk->allow_offset), fact,
					      rk->prefix);

		if (hit) {
			say(why, why_size, deny ? rk->deny_key : rk->allow_key, hit, rk->fact_name, fact);
			return true;
		}
	}
	return false;
}

static bool has_allow_rules(const struct daemon_config *cfg)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (rule_list(cfg, rule_kinds[k].allow_offset)->n)
			return true;
	return cfg->npids > 0;
}

static bool decided(char *why, size_t why_size, bool allow, const char *text)
{
	if (why && why_size)
		snprintf(why, why_size, "%s", text);
	return allow;
}

bool target_rules_allow(const struct daemon_config *cfg, const struct process_facts *p, char *why, size_t why_size)
{
	char exe_buf[256];
	const char *exe = exe_name(p, exe_buf, sizeof(exe_buf));

	for (int i = 0; i < cfg->npids; i++)
		if (cfg->pids[i] == p->pid) {
			if (why && why_size)
				snprintf(why, why_size, "pid %d is listed", p->pid);
			return true;
		}
	if (any_rule(cfg, p, exe, true, why, why_size))
		return false;
	if (!has_allow_rules(cfg))
		return decided(why, why_size, true, "no allow rules: every Go process is traced");
	if (any_rule(cfg, p, exe, false, why, why_size))
		return true;
	return decided(why, why_size, false, "no allow rule or listed pid matches");
}

/* ---- service names ---- */

/* The value of NAME in a NUL-separated environment block (the first one, as getenv would), or NULL. */
static const char *env_value(const char *env, size_t len, const char *name, size_t *value_len)
{
	size_t n = strlen(name);

	for (size_t at = 0; env && at < len;) {
		const char *entry = env + at, *nul = memchr(entry, '\0', len - at);
		size_t entry_len = nul ? (size_t)(nul - entry) : len - at;

		if (entry_len > n && !memcmp(entry, name, n) && entry[n] == '=') {
			*value_len = entry_len - n - 1;
			return entry + n + 1;
		}
		at += entry_len + 1;
	}
	return NULL;
}

/* The capture group of a cgroup: rule, or NULL. */
static const char *cgroup_capture(const struct service_rule *r, const char *path, size_t *len)
{
	regmatch_t m[2];

	if (!path || regexec(&r->re, path, 2, m, 0) != 0 || m[1].rm_so < 0)
		return NULL;
	*len = (size_t)(m[1].rm_eo - m[1].rm_so);
	return path + m[1].rm_so;
}

/* What one rule yields for this process (not necessarily safe characters), NULL for nothing. */
static const char *rule_value(const struct service_rule *r, const struct process_facts *p, const char *exe,
			      size_t *len)
{
	switch (r->kind) {
	case SERVICE_FROM_EXE:
		*len = exe ? strlen(exe) : 0;
		return exe;
	case SERVICE_FROM_CONTAINER:
		*len = p->container_id ? strnlen(p->container_id, 12) : 0;
		return p->container_id;
	case SERVICE_FROM_CGROUP:
		return cgroup_capture(r, p->cgroup_path, len);
	case SERVICE_FROM_ENV:
		return env_value(p->environ, p->environ_len, r->env_name, len);
	}
	return NULL;
}

static bool safe_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

/* Copies at most SERVICE_MAX bytes of s as safe characters; a leading '.' would hide files or mean "..". */
static void safe_copy(const char *s, size_t len, char *out, size_t out_size)
{
	size_t n = 0;

	for (; n < len && n < SERVICE_MAX && n + 1 < out_size; n++)
		out[n] = safe_char(s[n]) && !(n == 0 && s[n] == '.') ? s[n] : '_';
	out[n] = '\0';
}

int target_rules_service(const struct daemon_config *cfg, const struct process_facts *p, char *out, size_t out_size)
{
	char exe_buf[256];
	const char *exe = exe_name(p, exe_buf, sizeof(exe_buf)), *v;
	size_t len = 0;

	if (!out || out_size < 2)
		return -EINVAL;
	for (int i = 0; i < cfg->nservice_rules; i++) {
		v = rule_value(&cfg->service_rules[i], p, exe, &len);
		if (v && len) {
			safe_copy(v, len, out, out_size);
			return 0;
		}
	}
	if (exe && *exe)
		safe_copy(exe, strlen(exe), out, out_size);
	else
		safe_copy("unknown", 7, out, out_size);
	return 0;
}
