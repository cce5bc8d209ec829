// SPDX-License-Identifier: GPL-2.0
/* The profile directory: names, atomic writes (a killed writer leaves only whole files), retention by count, age
 * (fake clock) and size, oldest first, and only on files the store recognises as its own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/profile_files.h"
#include "unit.h"

#define MS 1000000LL
#define SEC 1000000000LL
#define T0 (1767323045678LL * MS)	/* 2026-01-02T03:04:05.678Z */

static char dir[64];

static void make_dir(void)
{
	strcpy(dir, "/tmp/gotrace-store-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static bool exists(const char *name)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Number of directory entries, "." and ".." excluded. */
static int count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void touch(const char *name, size_t size)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	for (size_t i = 0; f && i < size; i++)
		fputc('x', f);
	if (f)
		fclose(f);
}

static int64_t fake_now;

static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static struct profile_files *open_store(uint64_t count, uint64_t age, uint64_t bytes)
{
	struct profile_files_limits lim = { count, age, bytes };
	struct profile_files *s = NULL;

	CHECK(profile_files_open(dir, &lim, &s) == 0);
	if (s)
		profile_files_set_clock(s, fake_clock, NULL);
	return s;
}

static const char data[1000] = "\x1f\x8b not really gzip";

static int put(struct profile_files *s, const char *service, int64_t t)
{
	return profile_files_write(s, service, 42, "cpu", t, data, sizeof(data));
}

static void name_at(char *out, const char *service, int64_t t)
{
	CHECK(profile_files_name(out, 128, service, 42, "cpu", t) == 0);
}

TEST(names)
{
	char name[128];

	CHECK(profile_files_name(name, sizeof(name), "api", 1234, "cpu", T0) == 0);
	CHECK_STR(name, "api-1234-cpu-20260102T030405.678Z.pb.gz");
	CHECK(profile_files_name(name, sizeof(name), "a-1.b_c", 1, "offcpu", 0) == 0);
	CHECK_STR(name, "a-1.b_c-1-offcpu-19700101T000000.000Z.pb.gz");
	CHECK(profile_files_name(name, sizeof(name), "../etc", 1, "cpu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), ".hidden", 1, "cpu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), "a/b", 1, "cpu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), "", 1, "cpu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), NULL, 1, "cpu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), "a", 0, "cpu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), "a", 1, "CPU", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), "a", 1, "c-pu", T0) == -EINVAL);
	CHECK(profile_files_name(name, sizeof(name), "a", 1, "cpu", -1) == -EINVAL);
	CHECK(profile_files_name(name, 10, "api", 1234, "cpu", T0) == -ENAMETOOLONG);
}

TEST(write_is_whole_and_leaves_no_temporary)
{
	struct profile_files_stats st;
	struct profile_files *s;
	char name[128], path[256], back[2000];
	struct stat sb;
	int fd;

	make_dir();
	s = open_store(0, 0, 0);
	CHECK(put(s, "api", T0) == 0);
	name_at(name, "api", T0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, back, sizeof(back)) == sizeof(data) && !memcmp(back, data, sizeof(data)));
	close(fd);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777 & ~0640) == 0);
	CHECK(count_entries() == 1);
	CHECK(put(s, "api", T0) == -EEXIST);					/* the same profile twice */
	CHECK(put(s, "api", T0 + 999999) == -EEXIST);				/* same millisecond */
	CHECK(profile_files_write(s, "../x", 1, "cpu", T0, data, 1) == -EINVAL);
	CHECK(profile_files_write(s, "api", 1, "cpu", T0, NULL, 1) == -EINVAL);
	profile_files_get_stats(s, &st);
	CHECK(st.files == 1 && st.bytes == sizeof(data) && st.written == 1 && st.write_errors == 4);
	profile_files_close(s);
	remove_dir();
}

TEST(failed_write_leaves_nothing)
{
	struct rlimit old, small = { 500, 500 };	/* files may not grow past 500 bytes: EFBIG */
	struct profile_files *s;

	make_dir();
	s = open_store(0, 0, 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
	CHECK(put(s, "api", T0) == -EFBIG);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	CHECK(count_entries() == 0);
	CHECK(put(s, "api", T0) == 0);	/* and the name is still free */
	profile_files_close(s);
	remove_dir();
}

/* Kills a writer of large profiles after delay_us; 0 when only whole profiles are visible (at most one hidden
 * temporary file left), and how many there are. */
static int kill_writer_after(useconds_t delay_us, const char *big, size_t size, int *whole)
{
	pid_t child = fork();
	struct dirent *de;
	int temps = 0, bad = 0;
	DIR *d;

	if (child == 0) {
		struct profile_files *s;

		if (profile_files_open(dir, NULL, &s))
			_exit(1);
		for (int i = 0; i < 100000; i++)
			profile_files_write(s, "api", 42, "cpu", T0 + i * MS, big, size);
		_exit(0);
	}
	usleep(delay_us);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	*whole = 0;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char path[400];
		struct stat sb;

		if (de->d_name[0] == '.') {
			temps += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		bad += stat(path, &sb) != 0 || sb.st_size != (off_t)size;
		++*whole;
	}
	if (d)
		closedir(d);
	return bad || temps > 1 ? -1 : 0;
}

TEST(killed_writer_leaves_only_whole_files)
{
	static char big[256 * 1024];
	int whole;

	memset(big, 'p', sizeof(big));
	for (useconds_t delay = 20000; delay <= 180000; delay += 40000) {
		make_dir();
		CHECK(kill_writer_after(delay, big, sizeof(big), &whole) == 0);
		CHECK(whole > 0 || delay < 100000);
		remove_dir();
	}
}

TEST(count_limit_deletes_oldest_by_time)
{
	struct profile_files *s;
	char name[128];
	int64_t order[] = { 3, 1, 4, 0, 2 };	/* written out of time order */

	make_dir();
	touch("notes.txt", 10);
	s = open_store(3, 0, 0);
	for (int i = 0; i < 5; i++)
		CHECK(put(s, "api", T0 + order[i] * SEC) == 0);
	for (int i = 0; i < 5; i++) {
		name_at(name, "api", T0 + i * SEC);
		CHECK(exists(name) == (i >= 2));
	}
	CHECK(exists("notes.txt"));
	profile_files_close(s);
	remove_dir();
}

TEST(age_limit_with_fake_clock)
{
	struct profile_files_stats st;
	struct profile_files *s;
	char name[128];

	make_dir();
	s = open_store(0, 150 * SEC, 0);
	fake_now = T0;
	for (int i = 0; i < 5; i++)
		CHECK(put(s, "svc", T0 + i * 60 * SEC) == 0);
	fake_now = T0 + 300 * SEC;
	CHECK(profile_files_enforce(s) == 3);	/* 0, 60 and 120 s are older than 150 s at 300 s */
	for (int i = 0; i < 5; i++) {
		name_at(name, "svc", T0 + i * 60 * SEC);
		CHECK(exists(name) == (i >= 3));
	}
	fake_now = T0 + 1000 * SEC;
	CHECK(profile_files_enforce(s) == 2);	/* the age limit spares nothing */
	profile_files_get_stats(s, &st);
	CHECK(st.files == 0 && st.bytes == 0 && st.deleted == 5 && st.delete_errors == 0);
	profile_files_close(s);
	remove_dir();
}

TEST(size_limit_keeps_the_newest)
{
	struct profile_files_stats st;
	struct profile_files *s;
	char name[128];

	make_dir();
	s = open_store(0, 0, 3500);
	for (int i = 0; i < 6; i++)
		CHECK(put(s, "api", T0 + i * SEC) == 0);
	profile_files_get_stats(s, &st);
	CHECK(st.files == 3 && st.bytes == 3000);
	profile_files_close(s);
	s = open_store(0, 0, 10);	/* smaller than one profile: the newest stays */
	CHECK(put(s, "api", T0 + 10 * SEC) == 0);
	profile_files_get_stats(s, &st);
	CHECK(st.files == 1);
	name_at(name, "api", T0 + 10 * SEC);
	CHECK(exists(name));
	profile_files_close(s);
	remove_dir();
}

TEST(only_own_files_are_counted_or_deleted)
{
	static const char *const foreign[] = {
		"notes.txt", "api-42-cpu-20260102T030405.678Z.pb.gz.bak", "api-42-cpu-20261302T030405.678Z.pb.gz",
		"api-42-CPU-20260102T030405.678Z.pb.gz", "api-0042-cpu-20260102T030405.678Z.pb.gz",
		"api-42-cpu-20260102T030405.678.pb.gz", "-42-cpu-20260102T030405.678Z.pb.gz",
		".api-42-cpu-20260102T030405.678Z.pb.gz", "api-42-cpu-20260230T030405.678Z.pb.gz",
	};
	struct profile_files_stats st;
	struct profile_files *s;
	char own[128], path[256], link_name[128];

	make_dir();
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		touch(foreign[i], 5000);
	name_at(own, "old", T0 - 100 * SEC);
	touch(own, 5000);				/* ours, from an earlier run */
	name_at(link_name, "link", T0 - 200 * SEC);	/* named like ours but a symlink: not ours */
	snprintf(path, sizeof(path), "%s/%s", dir, link_name);
	CHECK(symlink("/etc/passwd", path) == 0);
	name_at(path, "subdir", T0 - 300 * SEC);	/* a directory, likewise */
	{
		char full[400];

		snprintf(full, sizeof(full), "%s/%s", dir, path);
		CHECK(mkdir(full, 0700) == 0);
	}
	s = open_store(1, 0, 0);
	profile_files_get_stats(s, &st);
	CHECK(st.files == 1 && st.bytes == 5000);	/* only the earlier run's file */
	CHECK(put(s, "api", T0) == 0);
	CHECK(!exists(own));				/* the oldest of ours went */
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		CHECK(exists(foreign[i]));
	CHECK(exists(link_name) && exists(path));
	profile_files_close(s);
	remove_dir();
}

TEST(stale_temporaries_are_removed_at_open)
{
	struct timespec old[2] = { { time(NULL) - 3600, 0 }, { time(NULL) - 3600, 0 } };
	char name[128], stale[140], fresh[140], full[300];
	struct profile_files *s;

	make_dir();
	name_at(name, "api", T0);
	snprintf(stale, sizeof(stale), ".%s.tmp", name);
	name_at(name, "api", T0 + SEC);
	snprintf(fresh, sizeof(fresh), ".%s.tmp", name);
	touch(stale, 10);
	touch(fresh, 10);
	touch(".other.tmp", 10);
	snprintf(full, sizeof(full), "%s/%s", dir, stale);
	CHECK(utimensat(AT_FDCWD, full, old, 0) == 0);
	snprintf(full, sizeof(full), "%s/.other.tmp", dir);
	CHECK(utimensat(AT_FDCWD, full, old, 0) == 0);
	s = open_store(0, 0, 0);
	CHECK(!exists(stale) && exists(fresh) && exists(".other.tmp"));
	profile_files_close(s);
	remove_dir();
}

TEST(directory_is_created_once)
{
	struct profile_files *s = NULL;
	char sub[128];
	struct stat sb;

	make_dir();
	snprintf(sub, sizeof(sub), "%s/profiles", dir);
	CHECK(profile_files_open(sub, NULL, &s) == 0);
	CHECK(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777 & ~0750) == 0);
	profile_files_close(s);
	snprintf(sub, sizeof(sub), "%s/missing/profiles", dir);
	CHECK(profile_files_open(sub, NULL, &s) == -ENOENT && s == NULL);
	CHECK(profile_files_open("", NULL, &s) == -EINVAL);
	remove_dir();
}
