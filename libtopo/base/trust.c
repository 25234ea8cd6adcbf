/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What may steer a root process: a file or directory that only root (or the user running
 * tiertopo) can change. The run directory, the lock, the state file's directory, the
 * configuration and the hooks are all held to it.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

int io_check_trusted(const struct stat *st)
{
	bool owner = st->st_uid == 0 || st->st_uid == geteuid();
	bool sticky_root_dir = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0;
	if (!owner || ((st->st_mode & (S_IWGRP | S_IWOTH)) && !sticky_root_dir))
		return -IO_EUNTRUSTED;
	return 0;
}

int io_fd_trusted(int fd, bool regular)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (regular && !S_ISREG(st.st_mode))
		return -IO_ENOTREG;
	return io_check_trusted(&st);
}
