/* gate_sam: the vendors' NTLM hashes for the front's NLA, read from a WinPR-format SAM file
 * (one "user:domain:LMHASH:NTHASH:::" line per account, as `winpr-hash -f sam` writes it).
 *
 * The gate answers NTLM itself (freerdp_peer.ComputeNtlmHash) instead of handing the file to
 * WinPR, whose NTLM server leaks its copy of the path and the looked-up entry on every
 * authentication in 2.11.
 * Contract: gate_sam_load() returns a read-only table (NULL + err on error: unreadable file,
 * malformed line with its number); it may be shared by every session thread without a lock;
 * gate_sam_free() releases it. Lookups match the user case-insensitively, and the domain too
 * unless the entry's domain is empty (then any domain matches). */
#ifndef RMGATE_GATE_SAM_H
#define RMGATE_GATE_SAM_H

#include <stddef.h>
#include <winpr/wtypes.h>

typedef struct gate_sam gate_sam;

gate_sam *gate_sam_load(const char *path, char *err, size_t errlen);
gate_sam *gate_sam_parse(const char *text, char *err, size_t errlen);
void gate_sam_free(gate_sam *sam);
size_t gate_sam_count(const gate_sam *sam);

/* Copies the 16-byte NT hash (MD4 of the UTF-16 password) of user/domain into nt. */
BOOL gate_sam_lookup(const gate_sam *sam, const char *user, const char *domain, BYTE nt[16]);

#endif
