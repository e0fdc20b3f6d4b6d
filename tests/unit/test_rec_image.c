/* PNG output of rmgate-replay: a written image is private (0600) whether
 * the file is new or already existed with a wider mode, and a file that
 * cannot be made private is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rec_image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	char dir[64];
	char path[128];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/rmgate-rec-image-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/out.png", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static const uint32_t pixels[4] = { 0xFF0000FFu, 0xFF00FF00u, 0xFFFF0000u, 0xFFFFFFFFu };

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void a_new_png_is_private(void **state)
{
	fixture *f = *state;
	char err[256];
	assert_int_equal(rec_png_write(f->path, pixels, 2, 2, err, sizeof err), 0);
	assert_int_equal(mode_of(f->path), 0600);
}

static void an_existing_world_readable_png_becomes_private(void **state)
{
	fixture *f = *state;
	int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old", 3), 3);
	close(fd);
	assert_int_equal(chmod(f->path, 0644), 0); /* whatever the umask */
	char err[256];
	assert_int_equal(rec_png_write(f->path, pixels, 2, 2, err, sizeof err), 0);
	assert_int_equal(mode_of(f->path), 0600);
	FILE *in = fopen(f->path, "rb");
	assert_non_null(in);
	unsigned char sig[8];
	assert_int_equal(fread(sig, 1, 8, in), 8);
	fclose(in);
	assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8); /* the new image replaced the old bytes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_new_png_is_private, setup, teardown),
		cmocka_unit_test_setup_teardown(an_existing_world_readable_png_becomes_private, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
