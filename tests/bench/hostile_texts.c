/* hostile_texts: writes the texts a hostile vendor client or a forged file can bring, for the
 * escaping test (tests/e2e/test_cli_escapes.sh):
 *   hostile_texts DB REC
 * DB gets (created if missing) a vendor, a system and a ledger session whose client name is
 * "evil<ESC>[2J<LF>name<BEL><CSI>2J日本<bidi RLO><0xFF>", with an event of the same detail;
 * REC gets a complete recording whose session id and an event detail carry the same bytes,
 * and typed text with ESC and BEL (unicode input). Prints the session id. Exit 1 on failure. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "ledger.h"
#include "policy.h"
#include "rec_writer.h"

/* ESC [2J, newline, BEL, C1 CSI (C2 9B) 2J, Japanese, RIGHT-TO-LEFT OVERRIDE, an invalid byte. */
static const char HOSTILE[] = "evil\x1b[2J\nname\a\xc2\x9b" "2J\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xae\xff";

static int make_ledger(const char *path)
{
	policy_db *db = policy_open(path);
	if (!db) {
		fprintf(stderr, "hostile_texts: %s\n", policy_last_error());
		return 1;
	}
	int64_t sid = 0;
	policy_session_start s = { .login = "acme", .source = "192.0.2.5", .client_name = HOSTILE,
		                   .client_build = 2600, .recording_id = "hostile" };
	int rc = policy_ledger_session_start(db, policy_now_us(), &s, &sid) ||
	         policy_ledger_event(db, sid, policy_now_us(), "client", HOSTILE);
	if (rc)
		fprintf(stderr, "hostile_texts: %s\n", policy_last_error());
	else
		printf("%lld\n", (long long)sid);
	policy_close(db);
	return rc ? 1 : 0;
}

static int make_recording(const char *path)
{
	rec_session_info info = { .session_id = HOSTILE, .width = 64, .height = 48, .keyboard_layout = 0x409 };
	rec_writer *w = NULL;
	char err[256];
	if (rec_writer_open(&w, path, &info, err, sizeof(err)) != 0) {
		fprintf(stderr, "hostile_texts: %s\n", err);
		return 1;
	}
	static uint8_t px[64 * 48 * 4];
	rec_writer_frame(w, px, 64 * 4, 64, 48, NULL, 0);
	rec_writer_event(w, "client", HOSTILE);
	static const uint16_t typed[] = { 'o', 'k', 0x1b, '[', '2', 'J', 0x07 };
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		rec_writer_unicode(w, 0, typed[i]);
		rec_writer_unicode(w, 0x8000, typed[i]); /* release */
	}
	return rec_writer_close(w, HOSTILE, NULL, NULL) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hostile_texts DB REC\n");
		return 2;
	}
	return make_ledger(argv[1]) || make_recording(argv[2]);
}
