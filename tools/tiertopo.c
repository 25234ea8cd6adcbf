/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tiertopo: NUMA memory tiers, HMAT and demotion for administrators.
 *
 *   tiertopo [global options] [command] [command options]
 *
 * Global options may also follow the command (git style). The default command is dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tiertopo.h"

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " tiertopo [options] [--dump]       show the NUMA nodes, their memory and tiers\n"
	      " tiertopo [options] plan [--kernel-model V]\n"
	      "                                   memory tiers and demotion targets, recommended\n"
	      "                                   or as kernel V computes them\n"
	      " tiertopo [options] check [--kernel-model V] [--strict]\n"
	      "                                   findings, and drift between the kernel, its\n"
	      "                                   model and the recommended plan (exit 3: problems)\n"
	      " tiertopo [options] apply [--dry-run]\n"
	      "                                   write the plan to the kernel's tiering knobs,\n"
	      "                                   publish it and run the hooks (one transaction)\n"
	      " tiertopo [options] watch [--once]\n"
	      "                                   apply again after every burst of memory\n"
	      "                                   hotplug uevents (the systemd service)\n"
	      " tiertopo [options] stat [INTERVAL [COUNT]]\n"
	      "                                   demotion, promotion and migration counters\n"
	      "                                   per node, since boot or per second\n"
	      " tiertopo [options] matrix [--slit|--hmat] [--access 0|1|firmware]\n"
	      "                                   the SLIT distances and HMAT latency and\n"
	      "                                   bandwidth, initiator x target, as tables\n"
	      " tiertopo [options] gather [-O FILE.tar.gz]\n"
	      "                                   pack the files tiertopo reads, for --sysroot\n"
	      " tiertopo [options] metrics [-O FILE]\n"
	      "                                   OpenMetrics text for node_exporter's textfile\n"
	      "                                   collector (drift, counters, applied state)\n"
	      " tiertopo [options] diff A B       what changed between two gathered trees,\n"
	      "                                   tarballs or state files (exit 1: different)\n"
	      "\n"
	      "Options:\n"
	      " -s, --sysroot <dir>   read the machine below <dir> (holding sys/ and proc/)\n"
	      "     --acpi-dir <dir>  read ACPI tables from <dir>/SRAT.dat ... (acpixtract -a)\n"
	      "     --config <file>   configuration (default <sysroot>/etc/tiertopo/tiertopo.conf)\n"
	      " -J, --json            print JSON (the whole snapshot); not with -r or -P\n"
	      " -v, --verbose         say more; twice for debugging\n"
	      " -h, --help            show this help (tiertopo COMMAND --help for a command)\n"
	      " -V, --version         show the version\n"
	      "\n"
	      "Exit status: 0 ok, 1 error, 2 usage error, 3 check found problems.\n"
	      "See tiertopo(8).\n",
	      out);
}

#ifdef TIERTOPO_GATHER_HELPER
/*
 * tiertopo-gather: gather alone. It links libarchive, which brings a dozen libraries
 * (ICU, libxml2, libstdc++ ...): kept out of tiertopo, which every other command starts in
 * a few milliseconds without them.
 */
static const struct {
	const char *name;
	int (*fn)(struct global_opts *g, int argc, char **argv);
} commands[] = {
	{"gather", cmd_gather},
	{"diff", cmd_diff},
};
#else
static char **main_argv;

/* tiertopo gather: run the helper beside this binary, or the installed one */
static int cmd_gather_exec(struct global_opts *g, int argc, char **argv)
{
	char self[4096], helper[4096 + 32];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k > 0) {
		self[k] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(helper, sizeof(helper), "%s/tiertopo-gather", self);
		if (access(helper, X_OK) == 0)
			execv(helper, main_argv);
	}
	execv(LIBEXECDIR "/tiertopo-gather", main_argv);
	fprintf(stderr, "tiertopo: gather: cannot run %s: %s\n", LIBEXECDIR "/tiertopo-gather",
		strerror(errno));
	return EXIT_ERROR;
}

static const struct {
	const char *name;
	int (*fn)(struct global_opts *g, int argc, char **argv);
} commands[] = {
	{"dump", cmd_dump},
	{"gather", cmd_gather_exec},
	{"plan", cmd_plan},
	{"check", cmd_check},
	{"apply", cmd_apply},
	{"watch", cmd_watch},
	{"stat", cmd_stat},
	{"matrix", cmd_matrix},
	{"metrics", cmd_metrics},
	{"diff", cmd_gather_exec}, /* tarballs: libarchive, in the helper too */
};
#endif

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    GLOBAL_LONGOPTS,
	    {"dump", no_argument, NULL, OPT_DUMP},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct global_opts g = {0};
	bool dump = false;
	int c;
#ifndef TIERTOPO_GATHER_HELPER
	/* the helper gets the command line as it came: getopt may permute argv */
	main_argv = calloc((size_t)argc + 1, sizeof(char *));
	if (!main_argv)
		return EXIT_ERROR;
	memcpy(main_argv, argv, (size_t)argc * sizeof(char *));
#endif

	/*
	 * Global options up to the first word that is not an option: the command. Anything
	 * else that looks like an option belongs to the command (dump's -o, -r, -n ...), so
	 * hand it over unparsed: opterr off and stop at the first unknown option.
	 */
	opterr = 0;
	for (;;) {
		int saved = optind;
		c = getopt_long(argc, argv, "+s:JvhV", longopts, NULL);
		if (c == -1)
			break;
		if (global_opt(&g, c, optarg))
			continue;
		if (c == OPT_DUMP) {
			dump = true;
			continue;
		}
		if (c == 'h' && dump) { /* tiertopo --dump --help: the dump command's help */
			optind = saved;
			break;
		}
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == 'V') {
			printf("tiertopo %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		}
		/* not a global option: the default command (dump) gets it and the rest */
		if (c == '?' && (optopt == 's' || optopt == OPT_SYSROOT || optopt == OPT_ACPI_DIR)) {
			fprintf(stderr, "tiertopo: option %s needs an argument\n", argv[saved]);
			return EXIT_USAGE;
		}
		optind = saved;
		break;
	}
	opterr = 1;

	const char *name = "dump";
	if (optind < argc && argv[optind][0] != '-')
		name = argv[optind++];
	if (dump && strcmp(name, "dump")) {
		/* --dump is the dump command's name: another command with it is a contradiction */
		fprintf(stderr, "tiertopo: --dump is the dump command; it cannot go with '%s'\n",
			name);
		return EXIT_USAGE;
	}

	/* the command's getopt starts at argv[0] = the command name */
	int cargc = argc - optind + 1;
	char **cargv = argv + optind - 1;
	cargv[0] = argv[0]; /* getopt messages name the program */
	optind = 1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn(&g, cargc, cargv);

	fprintf(stderr, "tiertopo: unknown command '%s'; see tiertopo --help\n", name);
	return EXIT_USAGE;
}
