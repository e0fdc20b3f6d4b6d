/* rmgate-replay: the auditors' tool for session recordings: info, events, keys,
 * frame, sheet, video and verify (docs/man/rmgate-replay.1). Reads with
 * rec_reader/rec_player; never modifies the recording.
 *
 * This file is the command line: one option table, getopt_long, the display zone, and
 * the dispatch to the commands of replay_cli.h (one cli_*.c file each). */
#include "replay_cli.h"
#include "cli_opt.h"
#include "i18n.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
	/* TRANSLATORS: keep the commands, option names and their values (us, jp, end, UTC) */
	fputs(_("Usage: rmgate-replay COMMAND RECORDING [options]\n\n"
	        "Inspect and replay rmgate session recordings.\n\n"
	        "Commands:\n"
	        "  info                         ids, geometry, start/end, size, integrity\n"
	        "  events [--json] [--idle S]   timeline: policy events, input, idle stretches, end\n"
	        "  keys [--layout us|jp]        what was typed, with times\n"
	        "  frame --at TIME -o X.png     the screen at TIME (seconds, [HH:]MM:SS, a wall-clock\n"
	        "                               time YYYY-MM-DD HH:MM:SS, or 'end')\n"
	        "  sheet -o X.png [--every 30s] [--cols 6] [--width 320]   contact sheet\n"
	        "  video -o X.mp4 [--speed N] [--skip-idle] [--fps 10]     video through ffmpeg\n"
	        "  verify [--digest HEX]        recompute the hash chain (exit 1 on any problem)\n\n"
	        "Options (anywhere on the line; --opt VALUE or --opt=VALUE; \"--\" ends them):\n"
	        "  --tz ZONE      show times in ZONE (default Asia/Tokyo); --utc = --tz UTC\n"
	        "  --no-pointer   do not draw the pointer (frame, sheet, video)\n"
	        "  -h, --help     show this help\n"
	        "  -V, --version  show the version\n"), out);
}

/* What an option does with its value. */
enum option_kind {
	OPT_TEXT,    /* const char * field */
	OPT_COUNT,   /* unsigned field, 1..100000 */
	OPT_SPEED,   /* double field, > 0 */
	OPT_FLAG,    /* bool field set */
	OPT_UTC,     /* --tz UTC */
	OPT_HELP,
	OPT_VERSION,
};

/* The one option table: getopt_long's table and the short options are built from it. */
static const struct replay_option {
	const char *name;
	char letter; /* short spelling, or 0 */
	enum option_kind kind;
	size_t field; /* offsetof in replay_opts (OPT_TEXT, OPT_COUNT, OPT_SPEED, OPT_FLAG) */
} options[] = {
	{ "output", 'o', OPT_TEXT, offsetof(replay_opts, out) },
	{ "at", 0, OPT_TEXT, offsetof(replay_opts, at) },
	{ "every", 0, OPT_TEXT, offsetof(replay_opts, every) },
	{ "digest", 0, OPT_TEXT, offsetof(replay_opts, digest) },
	{ "tz", 0, OPT_TEXT, offsetof(replay_opts, tz) },
	{ "layout", 0, OPT_TEXT, offsetof(replay_opts, layout) },
	{ "speed", 0, OPT_SPEED, offsetof(replay_opts, speed) },
	{ "fps", 0, OPT_COUNT, offsetof(replay_opts, fps) },
	{ "cols", 0, OPT_COUNT, offsetof(replay_opts, cols) },
	{ "width", 0, OPT_COUNT, offsetof(replay_opts, thumb) },
	{ "idle", 0, OPT_COUNT, offsetof(replay_opts, idle_s) },
	{ "json", 0, OPT_FLAG, offsetof(replay_opts, json) },
	{ "skip-idle", 0, OPT_FLAG, offsetof(replay_opts, skip_idle) },
	{ "no-pointer", 0, OPT_FLAG, offsetof(replay_opts, no_pointer) },
	{ "utc", 0, OPT_UTC, 0 },
	{ "help", 'h', OPT_HELP, 0 },
	{ "version", 'V', OPT_VERSION, 0 },
};
#define N_OPTIONS (sizeof options / sizeof options[0])
/* getopt_long's value for options[i]: above every letter, so that -o and --output
 * resolve to the same entry. */
#define OPTION_VAL(i) (256 + (int)(i))

static bool takes_value(const struct replay_option *opt)
{
	return opt->kind == OPT_TEXT || opt->kind == OPT_COUNT || opt->kind == OPT_SPEED;
}

/* Stores the value of options[i]; returns 0, or 2 (usage). */
static int set_value(replay_opts *o, const struct replay_option *opt, const char *v)
{
	char *field = (char *)o + opt->field, *end;
	switch (opt->kind) {
	case OPT_TEXT: *(const char **)(void *)field = v; return 0;
	case OPT_SPEED: {
		double speed = strtod(v, &end);
		if (end == v || *end || !(speed > 0))
			return replay_die(2, _("--speed needs a positive number"));
		*(double *)(void *)field = speed;
		return 0;
	}
	case OPT_COUNT: {
		unsigned long n = strtoul(v, &end, 10);
		if (end == v || *end || n == 0 || n > 100000)
			return replay_die(2, _("--%s needs a positive number"), opt->name);
		*(unsigned *)(void *)field = (unsigned)n;
		return 0;
	}
	default: *(bool *)(void *)field = true; return 0;
	}
}

static int add_operand(replay_opts *o, const char *word)
{
	if (!o->cmd)
		o->cmd = word;
	else if (!o->file)
		o->file = word;
	else
		return replay_die(2, _("unexpected argument '%s' (try --help)"), word);
	return 0;
}

/* Returns 0 to run, 2 on a usage error, 3 when --help/--version was answered. */
static int parse_args(int argc, char **argv, replay_opts *o)
{
	memset(o, 0, sizeof *o);
	o->speed = 1;
	o->fps = 10;
	o->cols = 6;
	o->thumb = 320;
	o->idle_s = 60;
	o->tz = "Asia/Tokyo";

	struct option longopts[N_OPTIONS + 1];
	/* "-": operands come back in place (value 1), so COMMAND and RECORDING may sit
	 * anywhere among the options; ":": getopt prints nothing, a missing value is ':' */
	char shortopts[2 * N_OPTIONS + 3] = "-:";
	size_t ns = 2;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		longopts[i] = (struct option){ options[i].name, takes_value(&options[i]) ? required_argument : no_argument,
			                       NULL, OPTION_VAL(i) };
		if (options[i].letter) {
			shortopts[ns++] = options[i].letter;
			if (takes_value(&options[i]))
				shortopts[ns++] = ':';
		}
	}
	longopts[N_OPTIONS] = (struct option){ 0 };
	shortopts[ns] = '\0';

	char what[64];
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 1) {
			if (add_operand(o, optarg))
				return 2;
			continue;
		}
		if (c == ':')
			return replay_die(2, _("option %s needs a value (try --help)"), cli_opt_refused(argv, what, sizeof what));
		if (c == '?' && cli_opt_refused_value(argv))
			return replay_die(2, _("option %s takes no value (try --help)"), cli_opt_refused(argv, what, sizeof what));
		if (c == '?')
			return replay_die(2, _("unknown option '%s' (try --help)"), cli_opt_refused(argv, what, sizeof what));
		const struct replay_option *opt = NULL;
		for (size_t i = 0; i < N_OPTIONS && !opt; i++)
			if (c == OPTION_VAL(i) || c == options[i].letter)
				opt = &options[i];
		if (!opt)
			return replay_die(2, _("unknown option (try --help)"));
		switch (opt->kind) {
		case OPT_HELP: usage(stdout); return 3;
		case OPT_VERSION: printf("rmgate-replay %s\n", RMGATE_VERSION); return 3;
		case OPT_UTC: o->tz = "UTC"; break;
		default:
			if (takes_value(opt) && cli_opt_value_missing(argv))
				return replay_die(2, _("option --%s needs a value (try --help)"), opt->name);
			if (set_value(o, opt, optarg) != 0)
				return 2;
		}
	}
	for (int i = optind; i < argc; i++) /* the words after "--" */
		if (add_operand(o, argv[i]))
			return 2;
	if (!o->cmd) {
		usage(stderr);
		return 2;
	}
	if (!o->file)
		return replay_die(2, _("%s needs a RECORDING file (try --help)"), o->cmd);
	if (o->thumb < 16)
		return replay_die(2, _("--width must be at least 16"));
	return 0;
}

int main(int argc, char **argv)
{
	i18n_init();
	replay_ctx c;
	memset(&c, 0, sizeof c);
	int rc = parse_args(argc, argv, &c.o);
	if (rc)
		return rc == 3 ? 0 : rc;
	/* the display zone: every time the commands format goes through localtime_r */
	setenv("TZ", c.o.tz, 1);
	tzset();
	static const struct {
		const char *name;
		int (*fn)(replay_ctx *);
	} cmds[] = {
		{ "info", replay_info },   { "verify", replay_verify }, { "events", replay_events },
		{ "keys", replay_keys },   { "frame", replay_frame },   { "sheet", replay_sheet },
		{ "video", replay_video },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(c.o.cmd, cmds[i].name) != 0)
			continue;
		rc = cmds[i].fn(&c);
		rec_reader_close(c.r);
		return rc;
	}
	return replay_die(2, _("unknown command '%s' (try --help)"), c.o.cmd);
}
