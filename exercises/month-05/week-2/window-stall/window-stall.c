/*
 * Exercise: window-stall. Fill in the two functions; window-stall.h says
 * what each must return. Run the tests with
 * `make exercise EX=window-stall`.
 */
#include "window-stall.h"

int ex_sends_before_stall(int32_t window, int32_t conn_window, size_t payload)
{
    /*
     * TODO: how many bytes can a direction hold with nobody reading? The
     * windows let some onto the wire (which window rules?), and the write
     * quota lets more wait in the queue. How many bytes does one message
     * take on the wire, and may the last message go past the quota?
     */
    (void)window;
    (void)conn_window;
    (void)payload;
    return 0;
}

int32_t ex_smallest_window(int messages, size_t payload)
{
    /*
     * TODO: the last Send passes when the bytes still queued before it
     * are fewer than the quota. Which window makes that just true? And
     * what when even the largest stream window is held back by the
     * connection's?
     */
    (void)messages;
    (void)payload;
    return 0;
}
