/* The player's screen model: where it draws the vendor's pointer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rec_format.h"
#include "rec_screen.h"

static rec_record mouse(uint16_t flags, uint16_t x, uint16_t y)
{
	rec_record r;
	memset(&r, 0, sizeof(r));
	r.type = REC_T_MOUSE;
	r.u.mouse.flags = flags;
	r.u.mouse.x = x;
	r.u.mouse.y = y;
	return r;
}

static void vendor_mouse_moves_move_the_drawn_pointer(void **state)
{
	(void)state;
	rec_screen s;
	char err[128];
	assert_int_equal(rec_screen_init(&s, 640, 480), 0);
	rec_record move = mouse(0x0800 /* PTR_FLAGS_MOVE */, 500, 300);
	assert_int_equal(rec_screen_apply(&s, &move, err, sizeof(err)), 0);
	assert_int_equal(s.ptr_x, 500);
	assert_int_equal(s.ptr_y, 300);
	rec_record click = mouse(0x9000 /* PTR_FLAGS_DOWN | BUTTON1 */, 510, 310);
	assert_int_equal(rec_screen_apply(&s, &click, err, sizeof(err)), 0);
	assert_int_equal(s.ptr_x, 510);
	rec_screen_free(&s);
}

static void wheel_events_leave_the_pointer_where_it_is(void **state)
{
	(void)state;
	rec_screen s;
	char err[128];
	assert_int_equal(rec_screen_init(&s, 640, 480), 0);
	rec_record move = mouse(0x0800, 200, 100);
	rec_record wheel = mouse(0x0200 | 0x0078, 0, 0); /* FreeRDP sends wheels at 0,0 */
	assert_int_equal(rec_screen_apply(&s, &move, err, sizeof(err)), 0);
	assert_int_equal(rec_screen_apply(&s, &wheel, err, sizeof(err)), 0);
	assert_int_equal(s.ptr_x, 200);
	assert_int_equal(s.ptr_y, 100);
	rec_screen_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vendor_mouse_moves_move_the_drawn_pointer),
		cmocka_unit_test(wheel_events_leave_the_pointer_where_it_is),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
