/* rec_image: PNG output, down-scaling and small text labels for rmgate-replay.
 * Images are BGRA pixels (uint32, bytes B,G,R,A). Stateless; any thread. */
#ifndef RMGATE_REC_IMAGE_H
#define RMGATE_REC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Writes an RGB PNG (created 0600: a screen may show personal data).
 * Returns 0, or -1 with a one-line reason. */
int rec_png_write(const char *path, const uint32_t *bgra, uint32_t w, uint32_t h, char *err,
                  size_t errlen);
/* Box-filter scaling of src (sw x sh) into dst (dw x dh), dw <= sw, dh <= sh. */
void rec_image_scale(const uint32_t *src, uint32_t sw, uint32_t sh, uint32_t *dst, uint32_t dw,
                     uint32_t dh);
/* Draws text (digits, ':', '+', '-', '(', ')', '.', ' ') with a 5x7 font
 * magnified `scale` times, top-left at x,y; clipped to the image. Returns the width. */
int rec_image_text(uint32_t *img, uint32_t w, uint32_t h, int x, int y, const char *s,
                   uint32_t color, int scale);

#endif
