/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo watch: apply the plan whenever memory comes or goes.
 *
 * One libudev monitor, filtered in the kernel to the memory, node, dax, cxl and
 * memory_tiering subsystems; one epoll loop with a timerfd and a signalfd. Onlining a 1.5 TiB
 * device is 12,288 memory blocks of 128 MiB and about 24,576 uevents, so an event costs a
 * clock read and two stores: no fork, no file read, no rediscovery. The plan is rediscovered
 * and applied once per burst, when the events have been quiet for the debounce time, or at
 * the latest max_wait after the burst began, so a never-ending stream still gets applied. A
 * receive-buffer overflow (ENOBUFS: events were lost) needs nothing special: every apply
 * rediscovers everything, so it just counts as an event. SIGTERM and SIGINT end the loop,
 * SIGHUP re-reads the configuration. At most WATCH_BATCH events are read per wake-up, so
 * under a flood the timer and the signals are still answered at once.
 *
 * --once is the oneshot the udev rules start: collect the burst that woke it, apply once when
 * it is quiet, exit. --events FILE reads recorded uevents (KEY=VALUE blocks, as
 * `udevadm monitor --property` or the kernel's uevent files print them) instead of the
 * monitor; a line "!overflow" in it stands for a lost-events overflow. That is how the tests
 * replay storms, and how a recording from a bug report is replayed.
 *
 * libudev is loaded with dlopen() when the monitor is opened, not linked: every other command
 * (and watch --events) then starts without loading it and its dependencies (systemd's pattern
 * for optional libraries). libudev.h gives the types; the functions are reached through `lu`.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tiertopo.h"

/* events handled per wake-up: then the timer and the signals get their turn, so a flood
 * (a storm, or someone replaying millions) delays neither the apply nor SIGTERM */
#define WATCH_BATCH 256

enum { OPT_ONCE = OPT_COMMAND, OPT_DEBOUNCE, OPT_MAX_WAIT, OPT_EVENTS, OPT_SOURCE, OPT_DRY_RUN };

static const char *const subsystems[] = {"memory", "node", "dax", "cxl", "memory_tiering"};

enum next { NEXT_NONE, NEXT_EVENT, NEXT_OVERFLOW, NEXT_EOF };

struct source {
	/* libudev */
	struct udev *udev;
	struct udev_monitor *mon;
	/* replay */
	int fd;
	char *buf;
	size_t off, len, cap; /* unread bytes: buf[off, len) */
	bool eof;
	char subsystem[64];
	bool overflow;
};

static bool relevant(const char *subsystem)
{
	for (size_t i = 0; subsystem && i < sizeof(subsystems) / sizeof(subsystems[0]); i++)
		if (!strcmp(subsystem, subsystems[i]))
			return true;
	return false;
}

/* the libudev functions watch uses, resolved from libudev.so.1 on first use */
static struct {
	void *dl;
	struct udev *(*udev_new)(void);
	struct udev *(*udev_unref)(struct udev *);
	struct udev_monitor *(*udev_monitor_new_from_netlink)(struct udev *, const char *);
	int (*udev_monitor_filter_add_match_subsystem_devtype)(struct udev_monitor *, const char *,
							       const char *);
	int (*udev_monitor_set_receive_buffer_size)(struct udev_monitor *, int);
	int (*udev_monitor_enable_receiving)(struct udev_monitor *);
	int (*udev_monitor_get_fd)(struct udev_monitor *);
	struct udev_device *(*udev_monitor_receive_device)(struct udev_monitor *);
	struct udev_monitor *(*udev_monitor_unref)(struct udev_monitor *);
	const char *(*udev_device_get_subsystem)(struct udev_device *);
	struct udev_device *(*udev_device_unref)(struct udev_device *);
} lu;

static int libudev_load(void)
{
	if (lu.dl)
		return 0;
	void *dl = dlopen("libudev.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!dl) {
		fprintf(stderr, "tiertopo: watch: cannot load libudev: %s\n", dlerror());
		return -ELIBACC;
	}
#define LU(f)                                                                                      \
	if (!(*(void **)&lu.f = dlsym(dl, #f))) {                                                  \
		fprintf(stderr, "tiertopo: watch: libudev.so.1 lacks %s\n", #f);                  \
		dlclose(dl);                                                                       \
		return -ELIBBAD;                                                                   \
	}
	LU(udev_new)
	LU(udev_unref)
	LU(udev_monitor_new_from_netlink)
	LU(udev_monitor_filter_add_match_subsystem_devtype)
	LU(udev_monitor_set_receive_buffer_size)
	LU(udev_monitor_enable_receiving)
	LU(udev_monitor_get_fd)
	LU(udev_monitor_receive_device)
	LU(udev_monitor_unref)
	LU(udev_device_get_subsystem)
	LU(udev_device_unref)
#undef LU
	lu.dl = dl;
	return 0;
}

static int source_open_udev(struct source *s, const char *name)
{
	s->fd = -1;
	int r = libudev_load();
	if (r < 0)
		return r;
	s->udev = lu.udev_new();
	if (!s->udev)
		return -ENOMEM;
	s->mon = lu.udev_monitor_new_from_netlink(s->udev, name);
	if (!s->mon)
		return -errno ? -errno : -EINVAL;
	for (size_t i = 0; i < sizeof(subsystems) / sizeof(subsystems[0]); i++)
		lu.udev_monitor_filter_add_match_subsystem_devtype(s->mon, subsystems[i], NULL);
	/* a storm is ~25k events: a large buffer makes an overflow unlikely (not impossible) */
	lu.udev_monitor_set_receive_buffer_size(s->mon, 128 * 1024 * 1024);
	r = lu.udev_monitor_enable_receiving(s->mon);
	return r < 0 ? r : 0;
}

static int source_fd(const struct source *s)
{
	return s->mon ? lu.udev_monitor_get_fd(s->mon) : s->fd;
}

/* one KEY=VALUE block of a recording; blank lines and "===" / "KERNEL[" headers end it */
static enum next replay_next(struct source *s)
{
	for (;;) {
		char *line0 = s->buf + s->off;
		size_t avail = s->len - s->off;
		char *nl = avail ? memchr(line0, '\n', avail) : NULL;
		if (!nl && !s->eof) {
			/* compact only when reading: a line costs no copy of the buffer */
			if (s->off) {
				memmove(s->buf, line0, avail);
				s->len = avail;
				s->off = 0;
			}
			if (s->cap - s->len < 4096) {
				size_t cap = s->cap ? s->cap * 2 : 65536;
				char *b = realloc(s->buf, cap);
				if (!b)
					return NEXT_EOF;
				s->buf = b;
				s->cap = cap;
			}
			ssize_t k = read(s->fd, s->buf + s->len, s->cap - s->len - 1);
			if (k < 0 && errno == EAGAIN)
				return NEXT_NONE;
			if (k <= 0)
				s->eof = true;
			else
				s->len += (size_t)k;
			continue;
		}
		size_t l = nl ? (size_t)(nl - line0) : avail;
		if (!nl && !l) {
			/* end of the recording: a last block without a separator counts */
			if (s->subsystem[0]) {
				s->subsystem[0] = '\0';
				return NEXT_EVENT;
			}
			return NEXT_EOF;
		}
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(l < sizeof(line) - 1 ? l : sizeof(line) - 1),
			 line0);
		s->off += l + (nl != NULL);

		if (!strcmp(line, "!overflow"))
			return NEXT_OVERFLOW;
		bool separator = !line[0] || !strncmp(line, "===", 3) || !strncmp(line, "KERNEL[", 7) ||
				 !strncmp(line, "UDEV[", 5);
		if (separator) {
			if (s->subsystem[0]) {
				bool rel = relevant(s->subsystem);
				s->subsystem[0] = '\0';
				if (rel)
					return NEXT_EVENT;
			}
			continue;
		}
		if (!strncmp(line, "SUBSYSTEM=", 10))
			snprintf(s->subsystem, sizeof(s->subsystem), "%.63s", line + 10);
		else if (!s->subsystem[0])
			snprintf(s->subsystem, sizeof(s->subsystem), "%s", "?"); /* a block began */
	}
}

static enum next source_next(struct source *s)
{
	if (!s->mon)
		return replay_next(s);
	struct udev_device *d = lu.udev_monitor_receive_device(s->mon);
	if (!d)
		return errno == ENOBUFS ? NEXT_OVERFLOW : NEXT_NONE;
	bool rel = relevant(lu.udev_device_get_subsystem(d));
	lu.udev_device_unref(d);
	return rel ? NEXT_EVENT : NEXT_NONE;
}

static void source_close(struct source *s)
{
	if (lu.dl) {
		lu.udev_monitor_unref(s->mon);
		lu.udev_unref(s->udev);
	}
	if (s->fd > 0)
		close(s->fd);
	free(s->buf);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void arm(int tfd, double at)
{
	double d = at - now_s();
	if (d < 0.001)
		d = 0.001;
	struct itimerspec it = {.it_value = {(time_t)d, (long)((d - floor(d)) * 1e9)}};
	timerfd_settime(tfd, 0, &it, NULL);
}

struct watch {
	struct global_opts *g;
	struct topo_config *config;
	double debounce, max_wait; /* seconds; <0: from the configuration */
	double opt_debounce, opt_max_wait;
	bool dry_run;
	unsigned long applies;
};

static void use_config(struct watch *w)
{
	w->debounce = w->opt_debounce >= 0 ? w->opt_debounce
					   : topo_config_get_debounce_ms(w->config) / 1000.0;
	w->max_wait = w->opt_max_wait >= 0 ? w->opt_max_wait
					   : topo_config_get_max_wait_ms(w->config) / 1000.0;
}

/* discover, plan, apply: once per burst. One log line says what it did. */
/* The burst an apply answers, on CLOCK_MONOTONIC: its first and last event (or the start). */
struct burst {
	double first, last;
};

static int apply_once(struct watch *w, unsigned long events, unsigned long overflows,
		      const char *why, struct burst b)
{
	double t0 = now_s();
	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	struct topo_plan *plan = NULL;
	struct topo_apply_report *rep = NULL;
	/* the lock before the snapshot: an apply from elsewhere finishes first */
	int r = open_topo(w->g, false, !w->dry_run, &ctx, &topo);
	if (r)
		return -EIO;
	r = topo_plan_new(topo, TOPO_PLAN_RECOMMENDED, NULL, topo_config_get_plan_opts(w->config),
			  &plan);
	if (r >= 0)
		r = topo_apply(ctx, plan, w->config, w->dry_run ? TOPO_APPLY_DRY_RUN : 0, &rep);
	w->applies++;
	double t1 = now_s();

	/* the reaction, in parts: how long the burst lasted, how long it had been quiet when the
	 * apply began (the debounce, or less at --max-wait), and the apply's own time */
	char line[4096];
	size_t o = (size_t)snprintf(line, sizeof(line), "tiertopo watch: apply #%lu (%s, %lu events%s",
				    w->applies, why, events, overflows ? ", after an overflow" : "");
	o += (size_t)snprintf(line + o, sizeof(line) - o,
			      "; burst %.0f ms, quiet %.0f ms, apply %.1f ms): ",
			      (b.last - b.first) * 1000, (t0 - b.last) * 1000, (t1 - t0) * 1000);
	size_t n = topo_apply_report_get_change_count(rep);
	if (r < 0)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "FAILED: %s",
				      rep && topo_apply_report_get_error(rep)
					      ? topo_apply_report_get_error(rep)
					      : strerror(-r));
	else if (!n)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "no change");
	for (size_t i = 0; r >= 0 && i < n && o < sizeof(line) - 64; i++) {
		const char *path, *old, *new;
		topo_apply_report_get_change(rep, i, NULL, &path, &old, &new, NULL, NULL);
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s/%s %s -> %s", i ? ", " : "",
				      path, old, new);
	}
	fprintf(stderr, "%s\n", line);
	for (size_t i = 0; i < topo_apply_report_get_hook_count(rep); i++) {
		const char *path, *msg;
		int st;
		topo_apply_report_get_hook(rep, i, &path, &st, &msg);
		fprintf(stderr, "tiertopo watch: hook %s: %s\n", path, msg ? msg : "ok");
	}
	topo_apply_report_free(rep);
	topo_plan_unref(plan);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r < 0 ? r : 0;
}

static void usage(FILE *out)
{
	fputs("Usage: tiertopo watch [--once] [--debounce SEC] [--max-wait SEC] [--events FILE]\n"
	      "\n"
	      "Listen for memory, node, dax, cxl and memory_tiering uevents and apply the plan\n"
	      "once per burst: when the events have been quiet for the debounce time, or at\n"
	      "the latest max-wait after the burst began. Applies once at start too.\n"
	      "SIGHUP re-reads the configuration; SIGTERM and SIGINT stop it.\n"
	      "\n"
	      "Options:\n"
	      "     --once            apply once when the events are quiet, then exit (what the\n"
	      "                       udev rules start; exits at once if a watcher is running)\n"
	      "     --debounce SEC    quiet time before applying (default 0.5, tiertopo.conf)\n"
	      "     --max-wait SEC    longest wait in a burst (default 5)\n"
	      "     --source NAME     libudev monitor: udev (default) or kernel\n"
	      "     --events FILE     read recorded uevents from FILE ('-': stdin) instead;\n"
	      "                       exits after the last apply at its end\n"
	      "     --dry-run         compute the changes, write nothing (no lock either)\n"
	      " -s, --sysroot <dir>   apply to the tree below <dir>\n"
	      "     --config <file>   the configuration\n"
	      " -h, --help            show this help\n",
	      out);
}

/*
 * One watcher at a time (the library's run/tiertopo/watch.lock, taken inside the sysroot):
 * a oneshot started while one runs has nothing to do. Returns 0 when taken, -1 when another
 * watcher runs and @once (exit quietly), -2 on an error (said).
 */
static int take_watch_lock(const struct global_opts *g, struct topo_ctx *ctx, bool once)
{
	int r = topo_ctx_lock_watch(ctx);
	if (r == 0)
		return 0;
	if (r == -EWOULDBLOCK && once)
		return -1; /* the running watcher sees the same events and applies */
	fprintf(stderr, "tiertopo: watch: %s/run/tiertopo/watch.lock: %s\n",
		g->sysroot && strcmp(g->sysroot, "/") ? g->sysroot : "",
		r == -EWOULDBLOCK ? "another tiertopo watch is running" : topo_strerror(r));
	return -2;
}

struct watch_opts {
	struct watch *w;
	const char *events, *source_name;
	bool once;
};

static int watch_opt(void *data, int c, const char *arg)
{
	struct watch_opts *o = data;
	char *end;
	switch (c) {
	case OPT_ONCE:
		o->once = true;
		return 0;
	case OPT_DEBOUNCE:
	case OPT_MAX_WAIT: {
		double v = strtod(arg, &end);
		if (*end || !(v >= 0) || v > 3600) {
			fprintf(stderr, "tiertopo: watch: '%s' is not a number of seconds\n", arg);
			return EXIT_USAGE;
		}
		*(c == OPT_DEBOUNCE ? &o->w->opt_debounce : &o->w->opt_max_wait) = v;
		return 0;
	}
	case OPT_EVENTS:
		o->events = arg;
		return 0;
	case OPT_SOURCE:
		if (strcmp(arg, "udev") && strcmp(arg, "kernel")) {
			fprintf(stderr, "tiertopo: watch: --source is udev or kernel\n");
			return EXIT_USAGE;
		}
		o->source_name = arg;
		return 0;
	case 'n':
		return refuse_short_n("watch");
	case OPT_DRY_RUN:
		o->w->dry_run = true;
		return 0;
	}
	return -1;
}

int cmd_watch(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"sysroot", required_argument, NULL, OPT_SYSROOT},
		{"acpi-dir", required_argument, NULL, OPT_ACPI_DIR},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"verbose", no_argument, NULL, 'v'},
		{"once", no_argument, NULL, OPT_ONCE},
		{"debounce", required_argument, NULL, OPT_DEBOUNCE},
		{"max-wait", required_argument, NULL, OPT_MAX_WAIT},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"watch", "s:vnh", longopts, usage, false};
	struct watch w = {.g = g, .opt_debounce = -1, .opt_max_wait = -1};
	struct watch_opts o = {.w = &w, .source_name = "udev"};
	g->applies = true;
	int r = parse_options(&cmd, g, NULL, argc, argv, watch_opt, &o);
	if (r != OPTIONS_PARSED)
		return r;
	const char *events = o.events, *source_name = o.source_name;
	bool once = o.once;

	/* the configuration: a bad one is an error at start, kept as it was on SIGHUP */
	struct topo_ctx *cctx = NULL;
	r = topo_ctx_new(&cctx, g->sysroot);
	if (r < 0) {
		fprintf(stderr, "tiertopo: watch: sysroot %s: %s\n", g->sysroot ? g->sysroot : "/",
			strerror(-r));
		return EXIT_ERROR;
	}
	r = load_config(g, cctx, &w.config);
	if (r) {
		topo_ctx_unref(cctx);
		return r;
	}
	use_config(&w);

	/* a dry run writes nothing, not even the lock: it changes nothing to keep apart */
	int locked = w.dry_run ? 0 : take_watch_lock(g, cctx, once);
	if (locked < 0) {
		topo_config_free(w.config);
		topo_ctx_unref(cctx);
		return locked == -1 ? EXIT_OK : EXIT_ERROR;
	}

	struct source src = {.fd = -1};
	if (events) {
		src.fd = strcmp(events, "-") ? open(events, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
					     : dup(STDIN_FILENO);
		if (src.fd >= 0)
			fcntl(src.fd, F_SETFL, fcntl(src.fd, F_GETFL) | O_NONBLOCK);
		r = src.fd < 0 ? -errno : 0;
	} else {
		r = source_open_udev(&src, source_name);
	}
	if (r < 0) {
		fprintf(stderr, "tiertopo: watch: cannot listen for uevents%s%s: %s\n",
			events ? " in " : "", events ? events : "", strerror(-r));
		source_close(&src);
		topo_config_free(w.config);
		topo_ctx_unref(cctx);
		return EXIT_ERROR;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.fd = source_fd(&src);
	/* a recording in a regular file cannot be polled: it is always ready */
	bool always_ready = epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0 && errno == EPERM;
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);

	/* converge at start: as if a burst had just begun */
	bool pending = true, reading = true, running = true;
	double first = now_s(), last = first;
	unsigned long n_events = 0, n_overflows = 0;
	const char *why = "start";
	int status = EXIT_OK;
	arm(tfd, first + w.debounce);

	while (running) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 3, always_ready && reading ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			status = EXIT_ERROR;
			break;
		}
		if (always_ready && reading)
			evs[n++].data.fd = source_fd(&src);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == sfd) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo != SIGHUP) {
						if (running)
							fprintf(stderr, "tiertopo watch: %s: stopping\n",
								si.ssi_signo == SIGTERM ? "SIGTERM"
											: "SIGINT");
						running = false;
						continue;
					}
					struct topo_config *nc = NULL;
					if (load_config(g, cctx, &nc) == 0) {
						topo_config_free(w.config);
						w.config = nc;
						use_config(&w);
						fprintf(stderr, "tiertopo watch: configuration re-read\n");
					}
				}
			} else if (fd == tfd) {
				uint64_t ticks;
				if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					continue;
				if (!pending)
					continue;
				double t = now_s();
				if (t < last + w.debounce && t < first + w.max_wait) {
					double at = last + w.debounce;
					arm(tfd, at < first + w.max_wait ? at : first + w.max_wait);
					continue;
				}
				if (apply_once(&w, n_events, n_overflows, why,
					       (struct burst){first, last}) < 0)
					status = EXIT_ERROR;
				pending = false;
				n_events = n_overflows = 0;
				if (once || (!reading && events))
					running = false;
			} else if (reading) {
				/* an event costs a clock read and two stores; at most WATCH_BATCH
				 * of them, then back to epoll (level-triggered: the rest waits) */
				for (unsigned int k = 0; k < WATCH_BATCH; k++) {
					enum next x = source_next(&src);
					if (x == NEXT_NONE)
						break;
					if (x == NEXT_EOF) {
						reading = false;
						if (!always_ready)
							epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
						if (!pending)
							running = false;
						break;
					}
					if (x == NEXT_OVERFLOW) {
						/* events were lost: the next apply rediscovers all */
						n_overflows++;
						fprintf(stderr, "tiertopo watch: uevents were lost "
								"(receive buffer overflow): rescanning\n");
					}
					n_events++;
					last = now_s();
					if (!pending) {
						pending = true;
						first = last;
						why = "events";
						arm(tfd, last + w.debounce);
					}
				}
			}
		}
	}

	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0 && g->verbose)
		fprintf(stderr, "tiertopo watch: %lu applies, cpu %.3f s user %.3f s system\n",
			w.applies, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
			(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	close(ep);
	close(tfd);
	close(sfd);
	source_close(&src);
	topo_config_free(w.config);
	topo_ctx_unref(cctx);
	return status;
}
