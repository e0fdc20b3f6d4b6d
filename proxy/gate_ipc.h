/* gate_ipc: the messages between the monitor and a session worker (docs/process-model.md).
 *
 * Transport: one SOCK_SEQPACKET socket pair per worker. The kernel keeps message boundaries
 * and carries at most one descriptor per message (SCM_RIGHTS: the worker's recording file).
 *
 * Wire format of one message, all integers little endian:
 *   header   u8 version (GATE_IPC_VERSION) | u8 type | u16 zero | u32 payload length
 *   payload  fields, each: u16 tag | u16 length | value (length bytes)
 * A value is a string (UTF-8, no control character, no NUL, not NUL-terminated on the wire),
 * a u32 (exactly 4 bytes), a u64 (exactly 8) or bytes (opaque, e.g. a hash or a password).
 *
 * Both sides treat what they receive as untrusted (the worker may be compromised, and then so
 * may be everything it sends). gate_ipc_recv() accepts a message only if:
 *   - it arrived whole (not truncated: the record is at most GATE_IPC_MAX_MESSAGE bytes), its
 *     version is GATE_IPC_VERSION, its reserved bits are zero and its payload length is the
 *     number of bytes that arrived after the header;
 *   - its type is one this side may receive (`from` says which side sent it), and every field
 *     is one the type's schema names, of the schema's kind and within its size, at most once,
 *     and every field the schema requires is there;
 *   - a descriptor came only with a type that carries one (any other is closed and refused).
 * Otherwise it returns -1 with one sentence in err and the caller ends the conversation
 * (the monitor ends that worker's session; it never guesses).
 *
 * What a message cannot say matters as much: no message of the worker names a session id, a
 * permit, a client address or a file path. The monitor knows which session a socket belongs
 * to, which address it accepted, and which permit it admitted; the worker only reports about
 * itself. (The monitor's decision tells the worker the ids it writes into its recording's
 * header; nothing the worker sends refers to them.)
 *
 * Memory: a gate_ipc_msg holds its own copy of the bytes (no allocation); field pointers
 * point into it and live as long as the struct. Secret values are wiped by
 * gate_ipc_msg_clear() (call it once done). No state: any thread, one socket per thread.
 */
#ifndef RMGATE_GATE_IPC_H
#define RMGATE_GATE_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GATE_IPC_VERSION 1
#define GATE_IPC_HEADER 8
#define GATE_IPC_MAX_PAYLOAD 16384
#define GATE_IPC_MAX_MESSAGE (GATE_IPC_HEADER + GATE_IPC_MAX_PAYLOAD)
#define GATE_IPC_MAX_FIELDS 32
#define GATE_IPC_MAX_STRING 1024

typedef enum {
	GATE_IPC_FROM_WORKER = 1,
	GATE_IPC_FROM_MONITOR = 2,
} gate_ipc_side;

/* Message types. W_* are sent by the worker, M_* by the monitor. */
typedef enum {
	/* the client's logon for admission (Client Info or NLA); the monitor answers M_DECISION */
	GATE_IPC_W_ADMIT = 1,
	/* NLA: the NTLMv2 hash of the account the client names; the monitor answers M_NTLM_HASH,
	 * at most once per worker */
	GATE_IPC_W_NTLM_HASH = 2,
	/* a receipt or life event of this session (gate_event_type and its detail) */
	GATE_IPC_W_EVENT = 3,
	/* the vendor gave input (the monitor's idle clock restarts) */
	GATE_IPC_W_INPUT = 4,
	/* the session has ended: the reason, and the worker's counters */
	GATE_IPC_W_END = 5,
	/* a connection refused before admission (gate_admission.refused) */
	GATE_IPC_W_REFUSED = 6,

	/* admission decision; allow carries the recording's descriptor */
	GATE_IPC_M_DECISION = 64,
	GATE_IPC_M_NTLM_HASH = 65,
	/* end the session now, with this sentence for the client and the ledger */
	GATE_IPC_M_END_NOW = 66,
	/* an event for the session's recording that the monitor decided (idle warning) */
	GATE_IPC_M_NOTE = 67,
} gate_ipc_type;

/* Field tags (one namespace for all types; each type's schema says which it takes). */
typedef enum {
	GATE_IPC_F_USER = 1,          /* string */
	GATE_IPC_F_DOMAIN = 2,        /* string */
	GATE_IPC_F_PASSWORD = 3,      /* bytes, secret */
	GATE_IPC_F_CLIENT_NAME = 4,   /* string */
	GATE_IPC_F_CLIENT_BUILD = 5,  /* u32 */
	GATE_IPC_F_CHANNEL = 6,       /* string; W_ADMIT lists the client's channels, comma-separated */
	GATE_IPC_F_NLA = 7,           /* u32: 0 or 1 */
	GATE_IPC_F_WIDTH = 8,         /* u32 */
	GATE_IPC_F_HEIGHT = 9,        /* u32 */
	GATE_IPC_F_KEYBOARD = 10,     /* u32 */
	GATE_IPC_F_USER_UTF16 = 11,   /* bytes: NTLM user name, UTF-16LE */
	GATE_IPC_F_DOMAIN_UTF16 = 12, /* bytes: NTLM domain, UTF-16LE */
	GATE_IPC_F_EVENT = 13,        /* u32: gate_event_type */
	GATE_IPC_F_DETAIL = 14,       /* string */
	GATE_IPC_F_REASON = 15,       /* string */
	GATE_IPC_F_FRAMES = 16,       /* u32 */
	GATE_IPC_F_ALLOW = 17,        /* u32: 0 or 1 */
	GATE_IPC_F_ERROR_INFO = 18,   /* u32 */
	GATE_IPC_F_TARGET_HOST = 19,  /* string */
	GATE_IPC_F_TARGET_PORT = 20,  /* u32, 1..65535 */
	GATE_IPC_F_TARGET_PIN = 21,   /* bytes: 32 (SHA-256) */
	GATE_IPC_F_POLICY = 22,       /* u32: channel policy bits */
	GATE_IPC_F_FOUND = 23,        /* u32: 0 or 1 */
	GATE_IPC_F_HASH = 24,         /* bytes: 16, secret */
	GATE_IPC_F_LOGIN = 25,        /* string */
	/* M_DECISION: what the worker writes into its recording's header (docs/recording-format.md)
	 * and its "ledger_session" event; none of it is secret or trusted back */
	GATE_IPC_F_RECORDING_ID = 26, /* string */
	GATE_IPC_F_SESSION_ID = 27,   /* u64: the ledger's session id */
	GATE_IPC_F_PERMIT_ID = 28,    /* u64 */
	GATE_IPC_F_VENDOR_ID = 29,    /* u64 */
	GATE_IPC_F_SYSTEM_ID = 30,    /* u64 */
	GATE_IPC_F_ACCOUNT_ID = 31,   /* u64 */
	GATE_IPC_F_START_NS = 32,     /* u64: the session's start, ns since the epoch */
	GATE_IPC_F_NAME = 33,         /* string: M_NOTE's event name */
} gate_ipc_tag;

typedef struct {
	uint16_t tag;
	uint16_t len;
	const uint8_t *value;
} gate_ipc_field;

/* A received message. */
typedef struct {
	uint8_t type;
	int fd; /* the descriptor that came with it, or -1; the receiver owns it */
	size_t nfields;
	gate_ipc_field fields[GATE_IPC_MAX_FIELDS];
	uint8_t bytes[GATE_IPC_MAX_MESSAGE];
} gate_ipc_msg;

/* A message being built. */
typedef struct {
	uint8_t bytes[GATE_IPC_MAX_MESSAGE];
	size_t len;
	bool overflow; /* a put did not fit: gate_ipc_send refuses the message */
} gate_ipc_out;

void gate_ipc_begin(gate_ipc_out *out, gate_ipc_type type);
void gate_ipc_put_u32(gate_ipc_out *out, gate_ipc_tag tag, uint32_t value);
void gate_ipc_put_u64(gate_ipc_out *out, gate_ipc_tag tag, uint64_t value);
void gate_ipc_put_str(gate_ipc_out *out, gate_ipc_tag tag, const char *value);
void gate_ipc_put_bytes(gate_ipc_out *out, gate_ipc_tag tag, const void *value, size_t len);
/* Wipes the buffer (it may hold a password or a hash). */
void gate_ipc_out_clear(gate_ipc_out *out);

/* Sends the message, with fd (or -1) as its descriptor. 0, or -1 with a sentence in err
 * (an overflowed message is never sent). Blocks until the socket takes it. */
int gate_ipc_send(int sock, gate_ipc_out *out, int fd, char *err, size_t errlen);

/* Receives and validates one message sent by `from` (see the contract above). Returns 1 with
 * *msg filled, 0 when the peer closed the socket, -1 with a sentence in err. */
int gate_ipc_recv(int sock, gate_ipc_side from, gate_ipc_msg *msg, char *err, size_t errlen);

/* Validates bytes as a message from `from` (what gate_ipc_recv does after reading; for tests
 * and the fuzzer). fd is the descriptor that came with it (or -1); on success msg owns it. */
int gate_ipc_parse(const uint8_t *bytes, size_t len, int fd, gate_ipc_side from, gate_ipc_msg *msg,
		   char *err, size_t errlen);

/* Field access on a validated message (the schema already checked kinds and sizes):
 * the field, or NULL/false when the message has none. Strings are copied out
 * NUL-terminated into buf (size GATE_IPC_MAX_STRING + 1 always suffices). */
const gate_ipc_field *gate_ipc_field_of(const gate_ipc_msg *msg, gate_ipc_tag tag);
bool gate_ipc_u32(const gate_ipc_msg *msg, gate_ipc_tag tag, uint32_t *value);
bool gate_ipc_u64(const gate_ipc_msg *msg, gate_ipc_tag tag, uint64_t *value);
const char *gate_ipc_str(const gate_ipc_msg *msg, gate_ipc_tag tag, char *buf, size_t buflen);

/* Closes the message's descriptor (if it still owns one) and wipes its bytes. */
void gate_ipc_msg_clear(gate_ipc_msg *msg);

const char *gate_ipc_type_name(uint8_t type);

#endif
