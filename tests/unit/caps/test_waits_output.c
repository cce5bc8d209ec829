// SPDX-License-Identifier: GPL-2.0
/* Futex and epoll figures, the netpoller's verdict, and the text and JSON built from them, on views whose
 * expected figures are worked out by hand here. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "caps/waits_output.h"

#define FUTEX_WAIT_PRIVATE_KIND WAITS_KIND_FUTEX(0, 1)
#define FUTEX_WAKE_PRIVATE_KIND WAITS_KIND_FUTEX(1, 1)
#define PWAIT_KIND WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT, 0)
#define PWAIT_POLL_KIND WAITS_KIND_EPOLL(WAITS_EPOLL_PWAIT, 1)

/* 10 futex waits (7 woken, 2 timed out, 1 EAGAIN) for 30 ms, 5 wakes that woke 4 threads (one woke nobody);
 * 4 blocking epoll_pwait calls for 40 ms (1 timed out, two returned 1 event, one 5), 6 polls (5 empty, one
 * returned 3 events); a 100 ms window. */
static void sample_view(struct waits_view *v)
{
	memset(v, 0, sizeof(*v));
	v->hist[FUTEX_WAIT_PRIVATE_KIND].count = 10;
	v->hist[FUTEX_WAIT_PRIVATE_KIND].sum = 30000000;
	v->hist[FUTEX_WAIT_PRIVATE_KIND].slots[12] = 10;
	v->stats[FUTEX_WAIT_PRIVATE_KIND] = (struct wait_stats){ .ret_zero = 7, .timeouts = 2, .again = 1 };
	v->hist[FUTEX_WAKE_PRIVATE_KIND].count = 5;
	v->hist[FUTEX_WAKE_PRIVATE_KIND].sum = 5000;
	v->stats[FUTEX_WAKE_PRIVATE_KIND] = (struct wait_stats){ .ret_zero = 1, .ret_sum = 4, .ret_slots = { [1] = 4 } };
	v->hist[PWAIT_KIND].count = 4;
	v->hist[PWAIT_KIND].sum = 40000000;
	v->hist[PWAIT_KIND].slots[14] = 4;
	v->stats[PWAIT_KIND] = (struct wait_stats){ .ret_zero = 1, .ret_sum = 7, .ret_slots = { [1] = 2, [3] = 1 } };
	v->hist[PWAIT_POLL_KIND].count = 6;
	v->hist[PWAIT_POLL_KIND].sum = 6000;
	v->stats[PWAIT_POLL_KIND] = (struct wait_stats){ .ret_zero = 5, .ret_sum = 3, .ret_slots = { [2] = 1 } };
	v->paths[WAIT_PATH_M_PARK] = (struct wait_path_totals){ 8, 25000000, 0 };
	v->paths[WAIT_PATH_SYSMON] = (struct wait_path_totals){ 2, 5000000, 2 };
	v->window_ns = 100000000;
}

/* Runs fn writing to a memory stream; returns the text (free it). */
static char *capture(void (*fn)(FILE *out, const struct waits_view *v, void *arg), const struct waits_view *v,
		     void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	fn(out, v, arg);
	fclose(out);
	return text;
}

TEST(futex_figures_split_waits_and_wakes)
{
	struct waits_view v;
	struct futex_figures f;

	sample_view(&v);
	waits_futex_figures(&v, &f);
	CHECK_EQ_U64(f.calls, 15);
	CHECK_EQ_U64(f.waits, 10);
	CHECK_EQ_U64(f.wait_ns, 30000000);
	CHECK_EQ_U64(f.woken, 7);
	CHECK_EQ_U64(f.timeouts, 2);
	CHECK_EQ_U64(f.again, 1);
	CHECK_EQ_U64(f.wakes, 5);
	CHECK_EQ_U64(f.threads_woken, 4);
	CHECK_EQ_U64(f.woke_none, 1);
	CHECK_EQ_U64(f.errors, 0);
}

TEST(epoll_figures_split_blocking_calls_and_polls)
{
	struct waits_view v;
	struct epoll_figures f;

	sample_view(&v);
	waits_epoll_figures(&v, &f);
	CHECK_EQ_U64(f.calls, 10);
	CHECK_EQ_U64(f.blocking, 4);
	CHECK_EQ_U64(f.polls, 6);
	CHECK_EQ_U64(f.per_syscall[WAITS_EPOLL_PWAIT], 10);
	CHECK_EQ_U64(f.per_syscall[WAITS_EPOLL_WAIT], 0);
	CHECK_EQ_U64(f.blocked_ns, 40006000);
	CHECK_EQ_U64(f.events, 10);
	CHECK_EQ_U64(f.with_events, 4);
	CHECK_EQ_U64(f.timeouts, 1);
	CHECK_EQ_U64(f.empty_polls, 5);
	CHECK_EQ_U64(f.blocked.count, 4);	/* the polls are not in the blocked-time histogram */
	CHECK_EQ_U64(f.events_per_call.count, 10);
	CHECK_EQ_U64(f.events_per_call.slots[0], 6);
	CHECK_EQ_U64(f.events_per_call.slots[1], 2);
	CHECK_EQ_U64(f.events_per_call.slots[2], 1);
	CHECK_EQ_U64(f.events_per_call.slots[3], 1);
}

TEST(netpoll_verdict_thresholds)
{
	struct epoll_figures f = { .calls = 100, .with_events = 50 };
	double share;

	f.blocked_ns = 50;
	CHECK_STR(waits_netpoll_verdict(&f, 100, &share), "idle");
	CHECK(share == 0.5);
	f.blocked_ns = 49;
	CHECK_STR(waits_netpoll_verdict(&f, 100, &share), "mixed");
	f.blocked_ns = 9;
	CHECK_STR(waits_netpoll_verdict(&f, 100, &share), "busy");
	f.with_events = 0;	/* rarely blocked, but nothing ready either: not a sign of load */
	CHECK_STR(waits_netpoll_verdict(&f, 100, &share), "mixed");
	f.calls = 0;
	CHECK_STR(waits_netpoll_verdict(&f, 100, &share), "unused");
	CHECK_STR(waits_netpoll_verdict(&f, 0, &share), "unused");
	CHECK(share == 0);
}

static void print_interval(FILE *out, const struct waits_view *v, void *arg)
{
	struct output_opts o = { .out = out, .millis = arg != NULL };

	waits_print_interval(&o, v);
	waits_print_summary(&o, v);
}

TEST(text_lines)
{
	struct waits_view v;
	char *t;

	sample_view(&v);
	t = capture(print_interval, &v, NULL);
	CHECK(strstr(t, "futex: 15 calls: 10 waits 30.0 ms (7 woken, 2 timed out, 1 EAGAIN, 0 interrupted), "
			"5 wakes woke 4 threads\n"));
	CHECK(strstr(t, "  waits by path: M parking 8 (25.0 ms), sysmon 2 (5000 us, 2 timed out)\n"));
	CHECK(strstr(t, "\nfutex wait time, FUTEX_WAIT_PRIVATE\n     usecs "));
	CHECK(strstr(t, "epoll: 10 calls (4 could block, 6 polls), blocked 40.0 ms, 10 events (2.5 per call that "
			"returned any), 1 timed out, 5 polls found nothing\n"));
	CHECK(strstr(t, "\nepoll blocked time (calls that could block)\n"));
	CHECK(strstr(t, "events per call: 0: 6 1: 2 2-3: 1 4-7: 1\n"));
	CHECK(strstr(t, "netpoller: blocked 40.0% of the time, p99 wait < 16.4 ms: partly idle\n"));
	CHECK(strstr(t, "Waits: futex 15 calls, 10 waits 30.0 ms (2 timed out); epoll 10 calls, blocked 40.0 ms, "
			"netpoller mixed\n"));
	free(t);
	t = capture(print_interval, &v, "millis");
	CHECK(strstr(t, "     msecs "));
	free(t);
}

TEST(text_of_nothing)
{
	struct waits_view v = { .window_ns = 1000000000 };
	char *t = capture(print_interval, &v, NULL);

	CHECK(strstr(t, "futex: 0 calls: 0 waits 0 ns (0 woken"));
	CHECK(!strstr(t, "waits by path"));
	CHECK(!strstr(t, "futex wait time"));
	CHECK(!strstr(t, "events per call"));
	CHECK(strstr(t, "netpoller: blocked 0.0% of the time: not used\n"));	/* no p99 of an empty histogram */
	free(t);
}

static void add_marker(struct json_obj *futex, void *arg)
{
	json_kv_str(futex, "marker", arg);
}

static void print_json(FILE *out, const struct waits_view *v, void *arg)
{
	struct output_opts o = { .out = out };
	struct json_obj j;

	json_begin(&j, out);
	waits_json(&j, &o, "tracepoint", v, arg ? add_marker : NULL, arg);
	json_end(&j);
}

TEST(json_members)
{
	struct waits_view v;
	char *t;

	sample_view(&v);
	t = capture(print_json, &v, "here");
	CHECK(strncmp(t, "{\"futex\":{\"attach\":\"tracepoint\",\"unit\":\"us\",\"calls\":15,\"waits\":10,", 64) == 0);
	CHECK(strstr(t, "\"op\":\"FUTEX_WAIT_PRIVATE\",\"calls\":10,\"ns\":30000000,\"ret_zero\":7,\"ret_sum\":0,"
			"\"timeouts\":2,\"again\":1,\"interrupted\":0,\"errors\":0,\"hist\":[{\"le\":4095,\"count\":10}]"));
	CHECK(strstr(t, "\"m_park\":{\"waits\":8,\"wait_ns\":25000000,\"timeouts\":0}"));
	CHECK(strstr(t, "\"cgo\":{\"waits\":0,\"wait_ns\":0,\"timeouts\":0}"));
	CHECK(strstr(t, "\"marker\":\"here\"}"));
	CHECK(strstr(t, ",\"epoll\":{\"attach\":\"tracepoint\""));
	CHECK(strstr(t, "\"syscalls\":{\"epoll_wait\":0,\"epoll_pwait\":10,\"epoll_pwait2\":0}"));
	CHECK(strstr(t, "\"blocked_share\":0.40006"));
	CHECK(strstr(t, "\"netpoller\":\"mixed\""));
	CHECK(strstr(t, "\"events_hist\":[{\"le\":0,\"count\":6},{\"le\":1,\"count\":2},{\"le\":3,\"count\":1},"
			"{\"le\":7,\"count\":1}]"));
	CHECK(strstr(t, "{\"op\":\"epoll_pwait poll\",\"calls\":6,"));
	CHECK(t[strlen(t) - 1] == '}');
	free(t);
	t = capture(print_json, &v, NULL);
	CHECK(!strstr(t, "marker"));
	free(t);
}
