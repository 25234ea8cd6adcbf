/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo gather: pack every file the readers used into a tarball that --sysroot replays,
 * like hwloc-gather-topology or `lspci -x`. What users attach to bug reports, and how the
 * project turns real machines and VMs into fixtures.
 *
 * The readers record each path they open, list or follow (topo_ctx_set_recording); this
 * packs those paths with every symlink met on the way (kept as symlinks), the symlinks and
 * subdirectories of every directory listed, and the content of every file read, read by
 * content since sysfs sizes lie. Files nobody may read (write-only knobs) are skipped.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tiertopo.h"

#define MAX_LINKS 40

struct packer {
	struct archive *a;
	int rootfd;
	const char *prefix; /* top directory inside the tarball */
	void *seen;	    /* tsearch tree of paths already packed */
	char **owned;	    /* strings the tree points to */
	size_t n_owned, cap_owned;
	int errors;
};

static int strcmp_v(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* true the first time @path is offered */
static bool first_time(struct packer *p, const char *path)
{
	if (tfind(path, &p->seen, strcmp_v))
		return false;
	if (p->n_owned == p->cap_owned) {
		size_t cap = p->cap_owned ? p->cap_owned * 2 : 256;
		char **v = realloc(p->owned, cap * sizeof(*v));
		if (!v)
			return false;
		p->owned = v;
		p->cap_owned = cap;
	}
	char *s = strdup(path);
	if (!s || !tsearch(s, &p->seen, strcmp_v)) {
		free(s);
		return false;
	}
	p->owned[p->n_owned++] = s;
	return true;
}

static int write_entry(struct packer *p, const char *path, const struct stat *st,
		       const char *link, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	char name[PATH_MAX * 2];
	snprintf(name, sizeof(name), "%s/%s", p->prefix, path);
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_mtime(e, st->st_mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? (la_int64_t)len : 0);
	int r = archive_write_header(p->a, e);
	if (r == ARCHIVE_OK && S_ISREG(st->st_mode) && len &&
	    archive_write_data(p->a, data, len) != (la_ssize_t)len)
		r = ARCHIVE_FATAL;
	archive_entry_free(e);
	if (r != ARCHIVE_OK) {
		fprintf(stderr, "tiertopo: gather: %s: %s\n", path, archive_error_string(p->a));
		p->errors++;
		return -EIO;
	}
	return 0;
}

/* the end of a read into a growing buffer: close @fd, hand @b over (NULL: out of memory) */
static int finish_read(int fd, char *b, size_t n, char **buf, size_t *len)
{
	close(fd);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*len = n;
	return 0;
}

static int read_all(int dirfd, const char *path, char **buf, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	while (b) {
		if (n == cap) {
			char *nb = cap < (64u << 20) ? realloc(b, cap *= 2) : NULL;
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
		}
		ssize_t k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int r = -errno;
			free(b);
			close(fd);
			return r;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	return finish_read(fd, b, n, buf, len);
}

/* Every record of /dev/kmsg that is there now, without blocking. */
static int read_kmsg(int dirfd, char **buf, size_t *len)
{
	int fd = openat(dirfd, "dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	for (int i = 0; b && i < 1 << 20; i++) {
		if (cap - n < 8192) {
			char *nb = cap < (64u << 20) ? realloc(b, cap *= 2) : NULL;
			if (!nb)
				break;
			b = nb;
		}
		ssize_t k = read(fd, b + n, 8191);
		if (k < 0 && errno == EPIPE)
			continue; /* a record was overwritten while we read */
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	return finish_read(fd, b, n, buf, len);
}

static void pack_node(struct packer *p, const char *path, const struct stat *st)
{
	if (!first_time(p, path))
		return;
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t k = readlinkat(p->rootfd, path, target, sizeof(target) - 1);
		if (k < 0)
			return;
		target[k] = '\0';
		write_entry(p, path, st, target, NULL, 0);
	} else if (S_ISDIR(st->st_mode)) {
		write_entry(p, path, st, NULL, NULL, 0);
	} else if (S_ISCHR(st->st_mode) && !strcmp(path, "dev/kmsg")) {
		/* the kernel log, for its demotion-target lines: records become a file */
		char *log = NULL;
		size_t len = 0;
		if (read_kmsg(p->rootfd, &log, &len) == 0) {
			struct stat reg = *st;
			reg.st_mode = S_IFREG | 0600;
			write_entry(p, path, &reg, NULL, log, len);
		}
		free(log);
	} else if (S_ISREG(st->st_mode)) {
		if (!(st->st_mode & 0444))
			return; /* write-only knob */
		char *data = NULL;
		size_t len = 0;
		if (read_all(p->rootfd, path, &data, &len) < 0)
			return; /* unreadable here (root-only table, EIO attribute): skip */
		write_entry(p, path, st, NULL, data, len);
		free(data);
	}
}

/*
 * Pack @path, resolving it component by component so that every symlink on the way is
 * packed as a symlink and its target followed. Returns the resolved path (malloc'd).
 */
static char *pack_path(struct packer *p, const char *path, int depth)
{
	char *cur = strdup("");
	char *rest = strdup(path);
	char *save = NULL;
	if (!cur || !rest || depth > MAX_LINKS) {
		free(cur);
		free(rest);
		return NULL;
	}
	for (char *c = strtok_r(rest, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *next;
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *slash = strrchr(cur, '/');
			if (slash)
				*slash = '\0';
			else
				cur[0] = '\0';
			continue;
		}
		if (asprintf(&next, "%s%s%s", cur, *cur ? "/" : "", c) < 0)
			break;
		free(cur);
		cur = next;

		struct stat st;
		if (fstatat(p->rootfd, cur, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		pack_node(p, cur, &st);
		if (!S_ISLNK(st.st_mode))
			continue;

		char target[PATH_MAX];
		ssize_t k = readlinkat(p->rootfd, cur, target, sizeof(target) - 1);
		if (k < 0)
			break;
		target[k] = '\0';
		/* resolve the link against its directory, then go on below it */
		char *dir = strdup(cur);
		char *slash = dir ? strrchr(dir, '/') : NULL;
		if (slash)
			*slash = '\0';
		else if (dir)
			dir[0] = '\0';
		char *joined;
		if (!dir || asprintf(&joined, "%s%s%s", target[0] == '/' ? "" : dir,
				     target[0] == '/' || !*dir ? "" : "/", target) < 0) {
			free(dir);
			break;
		}
		free(dir);
		free(cur);
		cur = pack_path(p, joined, depth + 1);
		free(joined);
		if (!cur)
			break;
	}
	free(rest);
	return cur;
}

/* A listed directory: its symlinks and subdirectories are part of what the reader saw. */
static void pack_listing(struct packer *p, const char *dir)
{
	int fd = openat(p->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode))
			continue;
		char *child;
		if (asprintf(&child, "%s/%s", dir, de->d_name) < 0)
			break;
		pack_node(p, child, &st);
		free(child);
	}
	closedir(d);
}

static void usage(FILE *out)
{
	fputs("Usage: tiertopo gather [-O FILE.tar.gz] [-s DIR]\n"
	      "\n"
	      "Pack every file tiertopo reads (sysfs, procfs, ACPI tables) into a tarball.\n"
	      "Unpacked, it replays the machine: tar xf FILE.tar.gz && tiertopo -s NAME\n"
	      "where NAME is the tarball's name without .tar.gz (tiertopo-HOSTNAME when it\n"
	      "went to standard output).\n"
	      "\n"
	      "Options:\n"
	      " -O, --output-file <file>\n"
	      "                       the tarball (default: tiertopo-HOSTNAME.tar.gz);\n"
	      "                       '-' writes it to standard output\n"
	      " -o <file>             the same, kept for compatibility (-o is the column\n"
	      "                       list in the other commands)\n"
	      " -s, --sysroot <dir>   gather from a tree instead of the running machine\n"
	      " -h, --help            show this help\n",
	      out);
}

static int gather_opt(void *data, int c, const char *arg)
{
	if (c != 'O' && c != 'o')
		return -1;
	*(const char **)data = arg;
	return 0;
}

int cmd_gather(struct global_opts *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"sysroot", required_argument, NULL, OPT_SYSROOT},
		{"acpi-dir", required_argument, NULL, OPT_ACPI_DIR},
		{"verbose", no_argument, NULL, 'v'},
		{"output-file", required_argument, NULL, 'O'},
		{"output", required_argument, NULL, 'o'}, /* before -O: kept for compatibility */
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct command cmd = {"gather", "s:vo:O:h", longopts, usage, false};
	const char *output = NULL;
	char defname[HOST_NAME_MAX + 32];
	int r = parse_options(&cmd, g, NULL, argc, argv, gather_opt, &output);
	if (r != OPTIONS_PARSED)
		return r;
	/* '-': standard output, under the default name's top directory */
	bool to_stdout = output && !strcmp(output, "-");
	if (to_stdout && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tiertopo: gather: will not write a tarball to a terminal; "
				"redirect it or name a file with -O\n");
		return EXIT_USAGE;
	}
	if (!output || to_stdout) {
		char host[HOST_NAME_MAX + 1] = "machine";
		gethostname(host, sizeof(host));
		host[HOST_NAME_MAX] = '\0';
		snprintf(defname, sizeof(defname), "tiertopo-%s.tar.gz", host);
		output = defname;
	}

	/* the top directory: the file name without .tar.gz / .tgz */
	char prefix[PATH_MAX];
	const char *base = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
	snprintf(prefix, sizeof(prefix), "%s", base);
	static const char *const exts[] = {".tar.gz", ".tgz", ".tar"};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t pl = strlen(prefix), el = strlen(exts[i]);
		if (pl > el && !strcmp(prefix + pl - el, exts[i])) {
			prefix[pl - el] = '\0';
			break;
		}
	}
	if (!prefix[0] || !strcmp(prefix, ".") || !strcmp(prefix, "..")) {
		fprintf(stderr, "tiertopo: gather: '%s' is not a usable tarball name\n", output);
		return EXIT_USAGE;
	}

	struct topo_ctx *ctx = NULL;
	struct topo *topo = NULL;
	r = open_topo(g, true, false, &ctx, &topo);
	if (r)
		return r;
	/* the counters tiertopo stat reads, so that it replays too */
	struct topo_vmstat *vs = NULL;
	if (topo_read_vmstat(ctx, &vs) == 0)
		topo_vmstat_unref(vs);

	struct packer p = {.prefix = prefix};
	p.rootfd = open(g->sysroot ? g->sysroot : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	p.a = archive_write_new();
	if (p.rootfd < 0 || !p.a || archive_write_add_filter_gzip(p.a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(p.a) != ARCHIVE_OK) {
		fprintf(stderr, "tiertopo: gather: cannot set up the archive\n");
		r = EXIT_ERROR;
		goto out;
	}
	/* write to a temporary name and rename, so a failed gather leaves no half tarball */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", output, (int)getpid());
	/* no padding after the gzip stream on a pipe: gzip would call it trailing garbage */
	archive_write_set_bytes_in_last_block(p.a, 1);
	if ((to_stdout ? archive_write_open_fd(p.a, STDOUT_FILENO)
		       : archive_write_open_filename(p.a, tmp)) != ARCHIVE_OK) {
		fprintf(stderr, "tiertopo: gather: cannot write %s: %s\n", output,
			archive_error_string(p.a));
		r = EXIT_ERROR;
		goto out;
	}

	size_t n = topo_ctx_get_recorded_count(ctx);
	for (size_t i = 0; i < n; i++) {
		char *resolved = pack_path(&p, topo_ctx_get_recorded_path(ctx, i), 0);
		struct stat st;
		if (resolved && fstatat(p.rootfd, resolved, &st, 0) == 0 && S_ISDIR(st.st_mode))
			pack_listing(&p, resolved);
		free(resolved);
	}
	if (archive_write_close(p.a) != ARCHIVE_OK || p.errors) {
		fprintf(stderr, "tiertopo: gather: writing %s failed\n",
			to_stdout ? "to standard output" : output);
		if (!to_stdout)
			unlink(tmp);
		r = EXIT_ERROR;
		goto out;
	}
	if (to_stdout) {
		fprintf(stderr, "tiertopo: wrote the tarball to standard output (%zu entries); "
				"replay with: tar xf FILE && tiertopo -s %s\n",
			p.n_owned, prefix);
		r = EXIT_OK;
		goto out;
	}
	if (rename(tmp, output) < 0) {
		fprintf(stderr, "tiertopo: gather: cannot rename %s to %s: %m\n", tmp, output);
		unlink(tmp);
		r = EXIT_ERROR;
		goto out;
	}
	fprintf(stderr, "tiertopo: wrote %s (%zu entries); replay with: tar xf %s && tiertopo -s %s\n",
		output, p.n_owned, output, prefix);
	r = EXIT_OK;
out:
	if (p.a)
		archive_write_free(p.a);
	if (p.rootfd >= 0)
		close(p.rootfd);
	tdestroy(p.seen, free);
	free(p.owned);
	topo_unref(topo);
	topo_ctx_unref(ctx);
	return r;
}
