/* SPDX-License-Identifier: GPL-2.0 */
/* Lookup-or-init, the way every per-key counter in gotrace's BPF objects starts. */
#ifndef GOTRACE_MAPS_BPF_H
#define GOTRACE_MAPS_BPF_H

/* The value at key, created as a copy of init when absent; NULL when the map is full. The insert is
 * BPF_NOEXIST and the value looked up again whatever it returned: when another CPU creates the entry between
 * the two lookups, both then count into that one entry instead of the second overwriting the first. */
static __always_inline void *map_lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#endif
