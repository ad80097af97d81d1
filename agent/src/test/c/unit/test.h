/*
 * A minimal harness for the library's C tests. Each test binary runs its cases in order and
 * prints one line per case, "ok NAME" or "not ok NAME", which run-tests.sh counts. A failed
 * EXPECT prints file:line and the values, and fails the case without ending it.
 */
#ifndef JR_TEST_H
#define JR_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int t_case_failures;
static int t_total_failures;

#define EXPECT(cond)                                                                            \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);     \
			t_case_failures++;                                                      \
		}                                                                               \
	} while (0)

#define EXPECT_EQ(a, b)                                                                          \
	do {                                                                                     \
		int64_t t_a = (int64_t)(a), t_b = (int64_t)(b);                                  \
		if (t_a != t_b) {                                                                \
			fprintf(stderr, "%s:%d: expected %s == %s, got %" PRId64 " and %" PRId64 "\n", \
				__FILE__, __LINE__, #a, #b, t_a, t_b);                           \
			t_case_failures++;                                                       \
		}                                                                                \
	} while (0)

/* Ends the case at once (the rest of it depends on this). */
#define REQUIRE(cond)                                                                           \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "%s:%d: required %s\n", __FILE__, __LINE__, #cond);     \
			t_case_failures++;                                                      \
			return;                                                                 \
		}                                                                               \
	} while (0)

static inline void t_run(const char *name, void (*fn)(void))
{
	t_case_failures = 0;
	fn();
	printf("%s %s\n", t_case_failures ? "not ok" : "ok", name);
	fflush(stdout);
	t_total_failures += t_case_failures ? 1 : 0;
}

#define RUN(fn) t_run(#fn, fn)
#define TEST_EXIT() return t_total_failures ? 1 : 0

#endif
