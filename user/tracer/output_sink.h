/* SPDX-License-Identifier: GPL-2.0 */
/* Where a trace's figures go: text for a person, or newline-delimited JSON for a program (schema in README.md).
 * The command picks the format once (-j); whoever shows something hands the sink both ways of writing it and
 * the sink calls the one its format needs, so no capability asks which format it writes. */
#ifndef GOTRACE_OUTPUT_SINK_H
#define GOTRACE_OUTPUT_SINK_H

#include <stdio.h>

#include "lib/json.h"

struct output_opts;

/* One thing shown, in both formats. text writes lines to o->out (NULL: not shown in text); json adds members to
 * an open object: the event's own, or the interval's or summary's (NULL: no members of its own). event names
 * the JSON record ("event":...) when the thing is a record of its own (an event, a record's head). */
struct output_writer {
	const char *event;
	void (*text)(const struct output_opts *o, void *arg);
	void (*json)(struct json_obj *j, const struct output_opts *o, void *arg);
};

struct output_sink;

/* A format: how events, records and sections are laid out. */
struct output_format {
	void (*event)(struct output_sink *s, const struct output_writer *w, void *arg);
	void (*alert)(struct output_sink *s, const struct output_writer *w, void *arg);
	void (*record_begin)(struct output_sink *s, const struct output_writer *head, void *arg);
	void (*section)(struct output_sink *s, const struct output_writer *w, void *arg);
	void (*record_end)(struct output_sink *s);
};

/* output_log: the daemon's. Alerts only, each line of their text a log line. */
extern const struct output_format output_text, output_json, output_log;

struct output_sink {
	const struct output_format *format;
	const struct output_opts *opts;
	FILE *out;			/* opts->out */
	struct json_obj record;		/* JSON: the interval or summary being written */
};

/* Something that happened (a pause, a cycle, a throttle interval): in JSON a line of its own. */
static inline void output_event(struct output_sink *s, const struct output_writer *w, void *arg)
{
	s->format->event(s, w, arg);
}

/* An interval or a summary: its head, then the capabilities' sections, then its end (in JSON one line). */
/* An event rare and grave enough for a daemon's log (an OOM kill): an event in text and JSON, a log record in the
 * daemon's log format, where the other events (hundreds of pauses a second) are not shown. */
static inline void output_alert(struct output_sink *s, const struct output_writer *w, void *arg)
{
	s->format->alert(s, w, arg);
}

static inline void output_record_begin(struct output_sink *s, const struct output_writer *head, void *arg)
{
	s->format->record_begin(s, head, arg);
}

static inline void output_section(struct output_sink *s, const struct output_writer *w, void *arg)
{
	s->format->section(s, w, arg);
}

static inline void output_record_end(struct output_sink *s)
{
	s->format->record_end(s);
}

#endif
