/*
 * lws_ring: element accounting, wraparound, in-place access, destroy_element, and a
 * broadcast ring shared by several consumers the way lws's chat-style examples use it.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

static int destroyed;
static unsigned char destroyed_log[64];

static void
count_destroy(void *element)
{
	if (destroyed < (int)sizeof(destroyed_log))
		destroyed_log[destroyed] = *(unsigned char *)element;
	destroyed++;
}

static int
test_basics(void)
{
	struct lws_ring *r = lws_ring_create(4, 5, count_destroy);
	unsigned char in[24], out[24];
	const unsigned char *e;
	uint32_t tail;
	int i;

	CHECK(r);
	/* one slot is always kept empty */
	CHECK(lws_ring_get_count_free_elements(r) == 4);
	CHECK(lws_ring_get_count_waiting_elements(r, NULL) == 0);
	CHECK(lws_ring_get_element(r, NULL) == NULL);
	CHECK(lws_ring_get_oldest_tail(r) == 0);
	printf("basics: created 4x5, 4 free\n");

	for (i = 0; i < 24; i++)
		in[i] = (unsigned char)(i / 4 + 1);	/* element n is four bytes of n */
	CHECK(lws_ring_insert(r, in, 6) == 4);
	CHECK(lws_ring_get_count_free_elements(r) == 0);
	CHECK(lws_ring_insert(r, in, 1) == 0);
	printf("basics: insert 6 -> 4, then full\n");

	/* peek, then consume in place with a NULL dest; NULL tail is the ring's own */
	e = lws_ring_get_element(r, NULL);
	CHECK(e && e[0] == 1 && e[3] == 1);
	CHECK(lws_ring_consume(r, NULL, NULL, 1) == 1);
	CHECK(destroyed == 1 && destroyed_log[0] == 1);
	CHECK(lws_ring_get_oldest_tail(r) == 4);
	printf("basics: element 1 consumed in place, destroyed once, oldest tail %u\n",
	       (unsigned int)lws_ring_get_oldest_tail(r));

	/* copy out two; the third insert below wraps around the end of the buffer */
	memset(out, 0, sizeof(out));
	CHECK(lws_ring_consume(r, NULL, out, 2) == 2);
	CHECK(out[0] == 2 && out[4] == 3 && out[8] == 0);
	CHECK(destroyed == 3);
	CHECK(lws_ring_insert(r, in + 16, 2) == 2);	/* elements 5, 6 */
	CHECK(lws_ring_get_count_waiting_elements(r, NULL) == 3);
	memset(out, 0, sizeof(out));
	CHECK(lws_ring_consume(r, NULL, out, 10) == 3);
	CHECK(out[0] == 4 && out[4] == 5 && out[8] == 6 && out[11] == 6);
	CHECK(destroyed == 6);
	CHECK(lws_ring_get_count_free_elements(r) == 4);
	printf("basics: wrapped insert and consume of 3 -> 4 5 6\n");

	/* an explicit tail does not free anything until the oldest tail is moved */
	CHECK(lws_ring_insert(r, in, 2) == 2);
	tail = lws_ring_get_oldest_tail(r);
	CHECK(lws_ring_consume(r, &tail, out, 1) == 1 && out[0] == 1);
	CHECK(lws_ring_get_count_waiting_elements(r, &tail) == 1);
	CHECK(lws_ring_get_count_waiting_elements(r, NULL) == 2);
	CHECK(destroyed == 6);
	lws_ring_update_oldest_tail(r, tail);
	CHECK(destroyed == 7 && destroyed_log[6] == 1);
	printf("basics: explicit tail, update_oldest_tail retired 1 element\n");

	lws_ring_dump(r, NULL);
	lws_ring_destroy(r);
	CHECK(destroyed == 8 && destroyed_log[7] == 2);
	printf("basics: destroy retired the last element\n");

	return 0;
}

static int
test_linear(void)
{
	struct lws_ring *r = lws_ring_create(1, 8, NULL);
	char out[16];
	void *start;
	size_t bytes;

	CHECK(r);
	CHECK(!lws_ring_next_linear_insert_range(r, &start, &bytes));
	CHECK(bytes == 7);
	memcpy(start, "hello", 5);
	lws_ring_bump_head(r, 5);
	CHECK(lws_ring_consume(r, NULL, out, sizeof(out)) == 5);
	CHECK(!memcmp(out, "hello", 5));

	/* from offset 5 the linear range only runs to the end of the buffer */
	CHECK(!lws_ring_next_linear_insert_range(r, &start, &bytes));
	CHECK(bytes == 3);
	memcpy(start, "wor", 3);
	lws_ring_bump_head(r, 3);
	CHECK(!lws_ring_next_linear_insert_range(r, &start, &bytes));
	CHECK(bytes == 4);
	memcpy(start, "ld!!", 4);
	lws_ring_bump_head(r, 4);
	CHECK(lws_ring_next_linear_insert_range(r, &start, &bytes) == 1);
	memset(out, 0, sizeof(out));
	CHECK(lws_ring_consume(r, NULL, out, sizeof(out)) == 7);
	CHECK(!strcmp(out, "world!!"));
	printf("linear: 7, then 3 + 4 across the wrap, then full: \"%s\"\n", out);
	lws_ring_destroy(r);

	return 0;
}

/*
 * Broadcast: one producer, many consumers, each with its own tail, kept in a singly
 * linked list; a message is freed once the slowest consumer has passed it.
 */

struct msg {
	char *payload;
	size_t len;
};

struct consumer {
	struct consumer *next;
	uint32_t tail;
	int id;
	char seen[128];
};

static int freed;

static void
msg_destroy(void *element)
{
	struct msg *m = (struct msg *)element;

	free(m->payload);
	m->payload = NULL;
	freed++;
}

static int
produce(struct lws_ring *ring, int n)
{
	struct msg m;
	char buf[16];

	m.len = (size_t)lws_snprintf(buf, sizeof(buf), "m%d", n);
	m.payload = malloc(m.len + 1);
	if (!m.payload)
		return 1;
	memcpy(m.payload, buf, m.len + 1);
	if (!lws_ring_insert(ring, &m, 1)) {
		free(m.payload);
		return 1;
	}

	return 0;
}

/* A consumer takes one message, as it would in a WRITEABLE callback. */
static int
consume_one(struct lws_ring *ring, struct consumer **list, struct consumer *c)
{
	const struct msg *m = lws_ring_get_element(ring, &c->tail);

	if (!m)
		return 0;
	if (strlen(c->seen) + m->len + 2 < sizeof(c->seen)) {
		strcat(c->seen, m->payload);
		strcat(c->seen, " ");
	}
	lws_ring_consume_and_update_oldest_tail(ring, struct consumer, &c->tail, 1,
						*list, tail, next);

	return 1;
}

static void
leave(struct lws_ring *ring, struct consumer **list, struct consumer *c)
{
	int was_oldest = lws_ring_get_oldest_tail(ring) == c->tail;
	uint32_t oldest = lws_ring_get_oldest_tail(ring);
	size_t most = 0;

	lws_ll_fwd_remove(struct consumer, next, c, *list);
	if (!was_oldest)
		return;
	/* it held the oldest tail: hand that to whoever is now furthest behind */
	lws_start_foreach_llp(struct consumer **, pc, *list) {
		size_t w = lws_ring_get_count_waiting_elements(ring, &(*pc)->tail);

		if (w >= most) {
			most = w;
			oldest = (*pc)->tail;
		}
	} lws_end_foreach_llp(pc, next);
	if (*list)
		lws_ring_update_oldest_tail(ring, oldest);
}

static int
test_broadcast(void)
{
	struct lws_ring *ring = lws_ring_create(sizeof(struct msg), 8, msg_destroy);
	struct consumer a, b, c, *list = NULL, *pa = &a, *pb = &b, *pc = &c;
	int n = 0, i, count = 0;

	CHECK(ring);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	a.id = 1;
	b.id = 2;
	c.id = 3;

	/* lws's lws_ll_fwd_insert() does not parenthesize its object: pass a plain pointer */
	a.tail = lws_ring_get_oldest_tail(ring);
	lws_ll_fwd_insert(pa, next, list);
	b.tail = lws_ring_get_oldest_tail(ring);
	lws_ll_fwd_insert(pb, next, list);

	/* fill the ring: 7 usable slots */
	while (!produce(ring, n))
		n++;
	CHECK(n == 7);
	printf("broadcast: ring of 8 took %d messages\n", n);

	/* a reads everything; nothing can be freed while b has read nothing */
	while (consume_one(ring, &list, &a))
		;
	CHECK(freed == 0);
	CHECK(lws_ring_get_count_free_elements(ring) == 0);
	printf("broadcast: a read all, freed %d, free slots %d\n", freed,
	       (int)lws_ring_get_count_free_elements(ring));

	/* b reads 3: those 3 are now behind every consumer */
	for (i = 0; i < 3; i++)
		CHECK(consume_one(ring, &list, &b));
	CHECK(freed == 3);
	CHECK(lws_ring_get_count_free_elements(ring) == 3);
	printf("broadcast: b read 3, freed %d\n", freed);

	/* c joins late, starting from the oldest message still held */
	c.tail = lws_ring_get_oldest_tail(ring);
	lws_ll_fwd_insert(pc, next, list);
	CHECK(lws_ring_get_count_waiting_elements(ring, &c.tail) == 4);

	for (i = 0; i < 3; i++)
		CHECK(!produce(ring, n++));
	CHECK(produce(ring, n) == 1);	/* full again */
	printf("broadcast: c joined with 4 waiting; 3 more produced\n");

	/* everyone drains, round robin */
	do {
		count = consume_one(ring, &list, &a);
		count += consume_one(ring, &list, &b);
		count += consume_one(ring, &list, &c);
	} while (count);
	CHECK(freed == 10);
	CHECK(lws_ring_get_count_waiting_elements(ring, NULL) == 0);
	printf("broadcast: all drained, freed %d\n", freed);
	printf("broadcast: a saw %s\n", a.seen);
	printf("broadcast: b saw %s\n", b.seen);
	printf("broadcast: c saw %s\n", c.seen);
	CHECK(!strcmp(a.seen, "m0 m1 m2 m3 m4 m5 m6 m7 m8 m9 "));
	CHECK(!strcmp(b.seen, a.seen));
	CHECK(!strcmp(c.seen, "m3 m4 m5 m6 m7 m8 m9 "));

	/* b stalls holding the oldest tail, then leaves: its backlog is released */
	for (i = 0; i < 4; i++)
		CHECK(!produce(ring, n++));
	while (consume_one(ring, &list, &a))
		;
	CHECK(consume_one(ring, &list, &c));
	CHECK(freed == 10);
	leave(ring, &list, &b);
	CHECK(freed == 11);
	CHECK(lws_ring_get_count_waiting_elements(ring, NULL) == 3);
	printf("broadcast: b left holding 4, freed %d, 3 still wait for c\n", freed);

	/* the remaining messages are freed with the ring */
	lws_ring_destroy(ring);
	CHECK(freed == 14);
	printf("broadcast: destroy freed the rest, %d total\n", freed);

	return 0;
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* the transcript up to a crash, if any */
	if (test_basics() || test_linear() || test_broadcast())
		return 1;
	printf("ring: all OK\n");

	return 0;
}
