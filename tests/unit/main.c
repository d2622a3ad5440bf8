/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit-test runner: runs every registered test (or those named on the
 * command line) in registration order. */
#include <string.h>

#include "ks_test.h"

int ks_test_failures;
static struct ks_test *head, **tail = &head;

void ks_test_register(struct ks_test *t)
{
	*tail = t;
	tail = &t->next;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;
	for (struct ks_test *t = head; t; t = t->next) {
		if (argc > 1) {
			int want = 0;
			for (int i = 1; i < argc; i++)
				want |= strcmp(argv[i], t->name) == 0;
			if (!want)
				continue;
		}
		ks_test_failures = 0;
		t->fn();
		if (ks_test_failures) {
			printf("FAIL %s\n", t->name);
			failed++;
		} else {
			printf("PASS %s\n", t->name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
