/* SPDX-License-Identifier: BSD-2-Clause */
/* Findings of the identification stage (src/grab/grab_findings.c) and the
 * remediation texts (src/vuln/vuln_finding.c). */
#include <string.h>

#include "grab.h"
#include "ks_test.h"
#include "vuln_finding.h"

KS_TEST(finding_remediation)
{
	for (int i = 0; i < KS_FIND_COUNT; i++) {
		const char *t = ks_finding_remediation((enum ks_finding_type)i);
		CHECK(t != NULL && strlen(t) > 40);
		CHECK(t[strlen(t) - 1] == '.');
		for (int k = 0; k < i; k++)
			CHECK(strcmp(t, ks_finding_remediation((enum ks_finding_type)k)) != 0);
	}
	CHECK(strcmp(ks_finding_remediation((enum ks_finding_type)KS_FIND_COUNT), "") == 0);
	CHECK(strstr(ks_finding_remediation(KS_FIND_TELNET_EXPOSED), "telnet") != NULL);
}
