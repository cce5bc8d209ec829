// SPDX-License-Identifier: GPL-2.0
/* The Parca client (parca.h): one JSON request per profile. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/parca.h"
#include "lib/json.h"

struct parca {
	struct http_client *http;
	char *url;	/* {base}/api/profiles/writeraw */
};

int parca_open(const char *url, const struct http_client_options *opts, struct parca **out)
{
	struct parca *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (asprintf(&p->url, "%s/api/profiles/writeraw", url) < 0)
		p->url = NULL;
	if (!p->url || http_client_open(opts, &p->http)) {
		free(p->url);
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void parca_close(struct parca *p)
{
	if (!p)
		return;
	http_client_close(p->http);
	free(p->url);
	free(p);
}

/* RFC 4648 base64 with padding, what protobuf's JSON mapping reads for bytes. */
static void put_base64(FILE *out, const uint8_t *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0) |
			     (i + 2 < len ? data[i + 2] : 0);

		fputc(alphabet[v >> 18 & 63], out);
		fputc(alphabet[v >> 12 & 63], out);
		fputc(i + 1 < len ? alphabet[v >> 6 & 63] : '=', out);
		fputc(i + 2 < len ? alphabet[v & 63] : '=', out);
	}
}

static void put_label(FILE *out, const char *name, const char *value, bool first)
{
	fputs(first ? "{\"name\":" : ",{\"name\":", out);
	json_string(out, name);
	fputs(",\"value\":", out);
	json_string(out, value);
	fputc('}', out);
}

/* {"series":[{"labels":{"labels":[{"name":..,"value":..},...]},"samples":[{"rawProfile":"<base64>"}]}]} */
static int request_body(const char *name, const struct prom_label *labels, int nlabels, const void *pprof,
			size_t len, char **body, size_t *body_len)
{
	FILE *out = open_memstream(body, body_len);

	if (!out)
		return -ENOMEM;
	fputs("{\"series\":[{\"labels\":{\"labels\":[", out);
	put_label(out, "__name__", name, true);
	for (int i = 0; i < nlabels; i++)
		if (labels[i].value && *labels[i].value)
			put_label(out, labels[i].name, labels[i].value, false);
	fputs("]},\"samples\":[{\"rawProfile\":\"", out);
	put_base64(out, pprof, len);
	fputs("\"}]}]}", out);
	return fclose(out) ? -ENOMEM : 0;
}

int parca_push(struct parca *p, const char *name, const struct prom_label *labels, int nlabels, const void *pprof,
	       size_t len, char *err, size_t err_size)
{
	struct http_body body = { .content_type = "application/json" };
	char *json = NULL;
	size_t json_len = 0;
	int rc = request_body(name, labels, nlabels, pprof, len, &json, &json_len);

	if (rc) {
		free(json);
		snprintf(err, err_size, "out of memory");
		return rc;
	}
	body.data = json;
	body.len = json_len;
	rc = http_client_post(p->http, p->url, &body, err, err_size);
	free(json);
	return rc;
}
