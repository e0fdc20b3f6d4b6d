/* refused_attempts: writes refused logons into a ledger through the policy library, the way
 * the gate does, for the console's e2e test (tests/e2e/test_web_admin.sh):
 *   refused_attempts DB refuse REASON LOGIN SOURCE SYSTEM   one refused attempt (a
 *                                          policy_deny_name; SYSTEM "-" = none named)
 *   refused_attempts DB fail LOGIN SOURCE N                  N failed passwords of an
 *                                          existing account (the lock-out counts them)
 * Exit 0 when every row was written, else 1 with the library's message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "ledger.h"
#include "policy.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: refused_attempts DB refuse REASON LOGIN SOURCE SYSTEM | fail LOGIN SOURCE N\n");
		return 2;
	}
	policy_db *db = policy_open_existing(argv[1]);
	if (!db) {
		fprintf(stderr, "refused_attempts: %s\n", policy_last_error());
		return 1;
	}
	int rc = 2;
	policy_deny_reason reason;
	if (!strcmp(argv[2], "refuse") && argc == 7 && policy_deny_parse(argv[3], &reason)) {
		rc = policy_ledger_refused(db, policy_now_us(), reason, argv[4], argv[5], strcmp(argv[6], "-") ? argv[6] : NULL,
					   "e2e refused attempt") ? 1 : 0;
	} else if (!strcmp(argv[2], "fail") && argc == 6) {
		rc = 0;
		for (int i = 0; i < atoi(argv[5]) && !rc; i++)
			rc = policy_account_logon_failed(db, argv[3], argv[4], policy_now_us(), NULL) ? 1 : 0;
	}
	if (rc == 1)
		fprintf(stderr, "refused_attempts: %s\n", policy_last_error());
	else if (rc == 2)
		fprintf(stderr, "refused_attempts: bad arguments\n");
	if (policy_ledger_flush_refusals(db, policy_now_us(), true))
		rc = 1;
	policy_close(db);
	return rc;
}
