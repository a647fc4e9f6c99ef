/* smp.c built with ThreadSanitizer: the server's callbacks keep their counters in plain
 * variables with no lock of the program's own (LWS_MAX_SMP is 1, so lws_pthread_mutex_*
 * would be empty), and run on four service threads; TSan reports any two of them not
 * ordered by the library's turn lock (exit 66 fails the test). */
/* capi-libs: -fsanitize=thread -g */
/* lws-diff: ours-only: lws built with LWS_MAX_SMP 1 (its default, and Debian's 4.1.6) cuts count_threads to 1 */
#include "smp.c"
