/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's log: every message goes to the caller's log function (topo_ctx_set_log_fn),
 * never straight to a stream; it sits apart from ctx.c so that every file of base/ can log.
 */
#include <pthread.h>
#include <stdarg.h>

#include "base/base.h"

void topo_log(const struct topo_ctx *ctx, int priority, const char *file, int line,
	      const char *fn, const char *format, ...)
{
	if (!ctx->log_fn)
		return;
	/* discovery of a large machine runs a few threads: the caller's function is called
	 * by one at a time, as if there were only one */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;
	va_start(ap, format);
	pthread_mutex_lock(&lock);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, ap);
	pthread_mutex_unlock(&lock);
	va_end(ap);
}
