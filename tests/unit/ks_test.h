/* SPDX-License-Identifier: BSD-2-Clause */
/* Tiny unit-test harness. A test is a function declared with KS_TEST(name);
 * it registers itself before main() runs. CHECK() records a failure and goes
 * on; CHECK_EQ_U64() prints both values. The runner (main.c) prints one line
 * per test and ends with "N passed, N failed". */
#ifndef KS_TEST_H
#define KS_TEST_H

#include <inttypes.h>
#include <stdio.h>

struct ks_test {
	const char *name;
	void (*fn)(void);
	struct ks_test *next;
};
void ks_test_register(struct ks_test *t);
extern int ks_test_failures; /* failures in the running test */

#define KS_TEST(name)                                                                    \
	static void test_##name(void);                                                   \
	static struct ks_test reg_##name = {#name, test_##name, NULL};                   \
	__attribute__((constructor)) static void register_##name(void)                  \
	{                                                                                \
		ks_test_register(&reg_##name);                                           \
	}                                                                                \
	static void test_##name(void)

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			ks_test_failures++;                                              \
		}                                                                        \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                               \
	do {                                                                             \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                         \
		if (a_ != b_) {                                                          \
			fprintf(stderr, "  %s:%d: %s == %" PRIu64 ", expected %s == %" PRIu64 "\n", \
				__FILE__, __LINE__, #a, a_, #b, b_);                     \
			ks_test_failures++;                                              \
		}                                                                        \
	} while (0)

#endif
