/* rec_pcap: libpcap's pcap_close(), reached without the name clash.
 *
 * libfreerdp2 (2.x) exports its own unrelated `pcap_close` (and `pcap_open`),
 * and every rmgate binary links libfreerdp2 before libpcap, so a plain call to
 * pcap_close() lands in FreeRDP and crashes. rec_pcap_close() looks libpcap's
 * symbol up in libpcap itself. Thread-safe (resolved once). */
#ifndef RMGATE_REC_PCAP_H
#define RMGATE_REC_PCAP_H

#include <pcap/pcap.h>

void rec_pcap_close(pcap_t *p);

#endif
