/* rec_pcap: resolves libpcap's pcap_close() in libpcap (see rec_pcap.h). */
#include "rec_pcap.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

typedef void (*close_fn)(pcap_t *);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static close_fn real_close; /* written once under `once` */

static void resolve(void)
{
	void *h = dlopen("libpcap.so.0.8", RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		h = dlopen("libpcap.so.0.8", RTLD_LAZY);
	if (h) {
		real_close = (close_fn)dlsym(h, "pcap_close");
		dlclose(h); /* libpcap stays loaded: the program links it */
	}
}

void rec_pcap_close(pcap_t *p)
{
	if (!p)
		return;
	pthread_once(&once, resolve);
	if (!real_close)
		abort(); /* cannot happen while libpcap is linked; never call FreeRDP's */
	real_close(p);
}
