// SPDX-License-Identifier: GPL-2.0
/* Sweeping BPF hash maps (bpf_map_sweep.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/bpf_map_sweep.h"

/* The keys of the entries that match, at most max of them, into keys. A walk whose cursor the BPF side deletes
 * starts over from the first key: twice the map's size in steps ends it whatever happens. */
static size_t matching_keys(const struct bpf_map *map, bpf_entry_match_fn match, const void *ctx, uint8_t *keys,
			    uint8_t *cursor, uint8_t *value)
{
	size_t key_size = bpf_map__key_size(map), max = bpf_map__max_entries(map), n = 0;
	int fd = bpf_map__fd(map);
	uint8_t *next = keys + n * key_size;

	for (size_t steps = 0; steps < 2 * max && n < max; steps++) {
		next = keys + n * key_size;
		if (bpf_map_get_next_key(fd, steps ? cursor : NULL, next))
			break;
		memcpy(cursor, next, key_size);
		if (!match || (bpf_map_lookup_elem(fd, next, value) == 0 && match(next, value, ctx)))
			n++;	/* kept where it was read */
	}
	return n;
}

int bpf_map_delete_where(const struct bpf_map *map, bpf_entry_match_fn match, const void *ctx)
{
	size_t key_size = bpf_map__key_size(map), max = bpf_map__max_entries(map), n, deleted = 0;
	uint8_t *keys = malloc(key_size * (max + 1)), *cursor = malloc(key_size);
	uint8_t *value = malloc(bpf_map__value_size(map) ? bpf_map__value_size(map) : 1);
	int fd = bpf_map__fd(map), err = 0;

	if (keys && cursor && value) {
		n = matching_keys(map, match, ctx, keys, cursor, value);
		for (size_t i = 0; i < n; i++)
			deleted += bpf_map_delete_elem(fd, keys + i * key_size) == 0;
	} else {
		err = -ENOMEM;
	}
	free(keys);
	free(cursor);
	free(value);
	return err ? err : (int)deleted;
}

static bool tgid_at(const uint8_t *p, const struct bpf_tgid_match *m)
{
	uint32_t tgid;

	memcpy(&tgid, p + m->offset, sizeof(tgid));
	return tgid == m->tgid;
}

bool bpf_value_tgid_is(const void *key, const void *value, const void *ctx)
{
	(void)key;
	return tgid_at(value, ctx);
}

bool bpf_key_tgid_is(const void *key, const void *value, const void *ctx)
{
	(void)value;
	return tgid_at(key, ctx);
}
