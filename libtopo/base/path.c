/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

const char *path_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

char *path_resolve(const char *link_dir, const char *target)
{
	size_t cap = strlen(link_dir) + strlen(target) + 2;
	char *out = malloc(cap + 1);
	char *tmp = malloc(cap + 1);
	if (!out || !tmp) {
		free(out);
		free(tmp);
		return NULL;
	}
	if (target[0] == '/')
		strcpy(tmp, target);
	else {
		strcpy(tmp, link_dir);
		strcat(tmp, "/");
		strcat(tmp, target);
	}

	size_t o = 0;
	char *save = NULL;
	for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop the '/' too */
			continue;
		}
		if (o > 0)
			out[o++] = '/';
		size_t l = strlen(c);
		memcpy(out + o, c, l);
		o += l;
	}
	out[o] = '\0';
	free(tmp);
	return out;
}
