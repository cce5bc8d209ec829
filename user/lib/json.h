/* SPDX-License-Identifier: GPL-2.0 */
/* Just enough JSON writing for newline-delimited output: escaped strings and comma bookkeeping. */
#ifndef GOTRACE_JSON_H
#define GOTRACE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string literal (quotes included); control characters and invalid UTF-8 bytes are escaped
 * as \u00XX so that the output always parses. */
void json_string(FILE *out, const char *s);

/* A writer for one object or array at a time: json_key() emits the separating comma when needed. */
struct json_obj {
	FILE *out;
	bool first;
};

void json_begin(struct json_obj *o, FILE *out);		/* "{" */
void json_end(struct json_obj *o);			/* "}" */
void json_key(struct json_obj *o, const char *key);	/* [","] "key": */
void json_kv_str(struct json_obj *o, const char *key, const char *value);
void json_kv_u64(struct json_obj *o, const char *key, uint64_t value);
void json_kv_i64(struct json_obj *o, const char *key, int64_t value);
void json_kv_bool(struct json_obj *o, const char *key, bool value);
void json_kv_double(struct json_obj *o, const char *key, double value);

#endif
