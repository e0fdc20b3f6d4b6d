/* rec_image: PNG writing (libpng), box scaling and a tiny label font. */
#include "rec_image.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int png_body(FILE *f, const uint32_t *bgra, uint32_t w, uint32_t h, uint8_t *row)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_init_io(png, f);
	png_set_compression_level(png, 6);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < h; y++) {
		const uint32_t *s = bgra + (size_t)y * w;
		for (uint32_t x = 0; x < w; x++) {
			row[3 * x] = (uint8_t)(s[x] >> 16);
			row[3 * x + 1] = (uint8_t)(s[x] >> 8);
			row[3 * x + 2] = (uint8_t)s[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int rec_png_write(const char *path, const uint32_t *bgra, uint32_t w, uint32_t h, char *err,
                  size_t errlen)
{
	/* The mode of open() applies only when it creates the file: an existing
	 * file is made 0600 too (a screen may show personal data). */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, _("cannot make %s private (mode 0600): %s"), path, strerror(errno));
		close(fd);
		return -1;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f) {
		snprintf(err, errlen, _("cannot create %s: %s"), path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	uint8_t *row = malloc((size_t)w * 3);
	int rc = row ? png_body(f, bgra, w, h, row) : -1;
	free(row);
	if (fclose(f) != 0 || rc != 0) {
		snprintf(err, errlen, _("cannot write %s: %s"), path, rc ? _("PNG encoding failed") : strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

void rec_image_scale(const uint32_t *src, uint32_t sw, uint32_t sh, uint32_t *dst, uint32_t dw,
                     uint32_t dh)
{
	for (uint32_t y = 0; y < dh; y++) {
		uint32_t y0 = (uint32_t)((uint64_t)y * sh / dh), y1 = (uint32_t)((uint64_t)(y + 1) * sh / dh);
		if (y1 <= y0)
			y1 = y0 + 1;
		for (uint32_t x = 0; x < dw; x++) {
			uint32_t x0 = (uint32_t)((uint64_t)x * sw / dw), x1 = (uint32_t)((uint64_t)(x + 1) * sw / dw);
			if (x1 <= x0)
				x1 = x0 + 1;
			uint64_t b = 0, g = 0, r = 0, n = 0;
			for (uint32_t yy = y0; yy < y1; yy++)
				for (uint32_t xx = x0; xx < x1; xx++) {
					uint32_t v = src[(size_t)yy * sw + xx];
					b += v & 0xFF;
					g += (v >> 8) & 0xFF;
					r += (v >> 16) & 0xFF;
					n++;
				}
			dst[(size_t)y * dw + x] =
			    0xFF000000u | (uint32_t)(r / n) << 16 | (uint32_t)(g / n) << 8 | (uint32_t)(b / n);
		}
	}
}

static const uint8_t *glyph(char c)
{
	static const uint8_t digits[10][7] = {
		{ 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E }, { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E },
		{ 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F }, { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E },
		{ 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 }, { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E },
		{ 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E }, { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
		{ 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E }, { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C },
	};
	static const uint8_t colon[7] = { 0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0 };
	static const uint8_t plus[7] = { 0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0 };
	static const uint8_t minus[7] = { 0, 0, 0, 0x1F, 0, 0, 0 };
	static const uint8_t lpar[7] = { 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 };
	static const uint8_t rpar[7] = { 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 };
	static const uint8_t dot[7] = { 0, 0, 0, 0, 0, 0x0C, 0x0C };
	static const uint8_t blank[7] = { 0 };
	if (c >= '0' && c <= '9')
		return digits[c - '0'];
	switch (c) {
	case ':': return colon;
	case '+': return plus;
	case '-': return minus;
	case '(': return lpar;
	case ')': return rpar;
	case '.': return dot;
	default: return blank;
	}
}

int rec_image_text(uint32_t *img, uint32_t w, uint32_t h, int x, int y, const char *s,
                   uint32_t color, int scale)
{
	int x0 = x;
	for (; *s; s++, x += 6 * scale) {
		const uint8_t *g = glyph(*s);
		for (int r = 0; r < 7 * scale; r++)
			for (int c = 0; c < 5 * scale; c++) {
				int px = x + c, py = y + r;
				if (px < 0 || py < 0 || (uint32_t)px >= w || (uint32_t)py >= h)
					continue;
				if (g[r / scale] & (0x10 >> (c / scale)))
					img[(size_t)py * w + px] = color;
			}
	}
	return x - x0;
}
