/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor of a tiertopo command: the I/O the job must do and nothing else. It opens and
 * reads exactly the files of a list, and lists exactly its directories, as tiertopo did
 * (bench.py records the list with `strace -f -y` of tiertopo itself on the same tree), with
 * the fewest system calls: one read per file of the bytes tiertopo read (plus one byte, which
 * finds the end as tiertopo must), and getdents64 into a large buffer until the end of each
 * directory. Built static where the toolchain allows, so that not even the dynamic loader
 * is counted.
 *
 * usage: floor LIST [REPEAT [held]]
 *   LIST: one entry a line, "R BYTES PATH" (open, read BYTES+1) or "D PATH" (open, list)
 *   REPEAT: do it all that many times (default 1), e.g. for `stat`'s reads per interval
 *   held: open each file once and read it again at offset 0 (pread) at each repeat, as a
 *         sampler that keeps its files open can (directories are opened and listed anew)
 * Exit status: 0, or 1 when an entry could not be opened (the tree is not the one recorded).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
	char kind;
	size_t bytes;
	char *path;
	int fd; /* held: the file's fd, -1 before its first open */
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s LIST [REPEAT]\n", argv[0]);
		return 2;
	}
	int repeat = argc > 2 ? atoi(argv[2]) : 1;
	int held = argc > 3 && !strcmp(argv[3], "held");
	struct rlimit rl; /* held: one fd per file, beyond the usual soft limit at 1024 nodes */
	if (held && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	/* the list is parsed before any timed I/O would matter, but it is part of the run:
	 * it is small (one line per file) next to what the files hold */
	struct entry *e = NULL;
	size_t n = 0, cap = 0, biggest = 0;
	char *line = NULL;
	size_t len = 0;
	ssize_t got;
	while ((got = getline(&line, &len, f)) > 0) {
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			e = realloc(e, cap * sizeof(*e));
			if (!e)
				return 2;
		}
		char *p = line + 2;
		if (line[0] == 'R') {
			e[n].bytes = strtoul(p, &p, 10);
			p++;
		} else if (line[0] == 'D') {
			e[n].bytes = 0;
		} else {
			continue;
		}
		e[n].kind = line[0];
		e[n].fd = -1;
		e[n].path = strdup(p);
		if (e[n].bytes > biggest)
			biggest = e[n].bytes;
		n++;
	}
	free(line);
	fclose(f);
	size_t size = biggest + 1 > 256 * 1024 ? biggest + 1 : 256 * 1024;
	char *buf = malloc(size);
	if (!buf)
		return 2;
	int bad = 0;
	for (int r = 0; r < repeat; r++) {
		for (size_t i = 0; i < n; i++) {
			if (held && e[i].fd >= 0) {
				if (pread(e[i].fd, buf, e[i].bytes + 1, 0) < 0)
					bad = 1;
				continue;
			}
			int fd = open(e[i].path, O_RDONLY | O_CLOEXEC |
					(e[i].kind == 'D' ? O_DIRECTORY : 0));
			if (fd < 0) {
				bad = 1;
				continue;
			}
			if (e[i].kind == 'R') {
				if (read(fd, buf, e[i].bytes + 1) < 0)
					bad = 1;
			} else {
				long k;
				while ((k = syscall(SYS_getdents64, fd, buf, size)) > 0)
					;
				if (k < 0)
					bad = 1;
			}
			if (held && e[i].kind == 'R')
				e[i].fd = fd;
			else
				close(fd);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
	free(e);
	free(buf);
	if (bad)
		fprintf(stderr, "floor: some entries of %s could not be read\n", argv[1]);
	return bad;
}
