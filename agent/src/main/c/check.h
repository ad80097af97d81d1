/*
 * JR_CHECK(cond, fmt, ...): an invariant of the library.
 *
 * In check builds (-DJR_CHECKS, what the C tests compile) a false condition prints file:line and
 * the message to stderr and abort()s, so a test sees the broken rule where it broke.
 *
 * In the release .so it compiles to nothing (the condition is type-checked, never evaluated). An
 * abort there would kill the user's JVM, and the fault service must never stop answering: a thread
 * waiting on a fault would wait for ever. A check that only logged would be read by nobody and
 * still cost its O(n) index scans on every edit. The invariants are for the tests to prove.
 */
#ifndef JR_CHECK_H
#define JR_CHECK_H

#ifdef JR_CHECKS
#include <stdio.h>
#include <stdlib.h>
#define JR_CHECK(cond, ...)                                                        \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: JR_CHECK failed: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)
#define JR_CHECKS_ON 1
#else
#define JR_CHECK(cond, ...) ((void)sizeof(!(cond)))
#define JR_CHECKS_ON 0
#endif

#endif
