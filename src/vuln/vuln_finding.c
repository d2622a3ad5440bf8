/* SPDX-License-Identifier: BSD-2-Clause */
/* Finding-type and severity names (vuln_finding.h). */
#include "vuln_finding.h"

#include <string.h>

#include "ks_err.h"

static const char *const sev_names[KS_SEV_COUNT] = {"info", "low", "medium", "high", "critical"};
static const char *const find_names[KS_FIND_COUNT] = {
	"weak_credentials", "known_vulnerability", "telnet_exposed",	"open_resolver",
	"upnp_exposed",	    "mqtt_no_auth",	   "cleartext_admin",	"bad_certificate",
	"deprecated_crypto", "infected",
};

/* Remediation per finding type, in enum order (docs/survey.md, "Findings"). */
static const char *const find_fix[KS_FIND_COUNT] = {
	/* weak_credentials */
	"Change the default or weak password to a long unique one on every account of the device "
	"(telnet, SSH, web and FTP alike), and disable accounts and services that are not needed.",
	/* known_vulnerability */
	"Update the device's firmware or software to a version that fixes the listed CVEs (the "
	"vendor's advisory gives it); if no fix exists, replace the device or take it off the "
	"Internet. Fix known-exploited (KEV) entries first.",
	/* telnet_exposed */
	"Disable telnet on the device, or block TCP ports 23 and 2323 from the Internet; use SSH "
	"with strong credentials if remote administration is needed.",
	/* open_resolver */
	"Configure the DNS server to answer recursive queries only for its own clients (an "
	"access list) or disable recursion, and block UDP/TCP port 53 from the Internet if the "
	"device need not serve DNS.",
	/* upnp_exposed */
	"Disable UPnP on the Internet-facing interface (or altogether) and block UDP port 1900 "
	"from the Internet.",
	/* mqtt_no_auth */
	"Require authentication on the MQTT broker (disallow anonymous clients, give each client "
	"its own credentials, preferably over TLS on 8883) or block port 1883 from the Internet.",
	/* cleartext_admin */
	"Serve the administration page over HTTPS only (or not at all on the Internet-facing "
	"interface); restrict it to the management network or a VPN.",
	/* bad_certificate */
	"Install a valid certificate issued by a trusted authority (renew expired ones) for the "
	"service's name, and disable the service if it is not meant to be reachable.",
	/* deprecated_crypto */
	"Update the firmware or the server configuration to disable SSLv3, TLS 1.0 and 1.1, weak "
	"cipher suites (RC4, 3DES, export, NULL) and deprecated SSH algorithms "
	"(diffie-hellman-group1-sha1, ssh-dss, CBC ciphers, hmac-md5); use TLS 1.2 or 1.3.",
	/* infected */
	"The address was seen scanning or acting as a bot: disconnect the device, reset it to "
	"factory settings, update its firmware, change every password, and check other devices "
	"behind the same address.",
};

const char *ks_finding_remediation(enum ks_finding_type t)
{
	return (unsigned)t < KS_FIND_COUNT ? find_fix[t] : "";
}

const char *ks_sev_name(enum ks_sev s)
{
	return (unsigned)s < KS_SEV_COUNT ? sev_names[s] : "?";
}

const char *ks_finding_name(enum ks_finding_type t)
{
	return (unsigned)t < KS_FIND_COUNT ? find_names[t] : "?";
}

int ks_sev_parse(const char *s, enum ks_sev *out)
{
	for (unsigned i = 0; s && i < KS_SEV_COUNT; i++)
		if (strcmp(s, sev_names[i]) == 0) {
			*out = (enum ks_sev)i;
			return 0;
		}
	return KS_EINVAL;
}

int ks_finding_parse(const char *s, enum ks_finding_type *out)
{
	for (unsigned i = 0; s && i < KS_FIND_COUNT; i++)
		if (strcmp(s, find_names[i]) == 0) {
			*out = (enum ks_finding_type)i;
			return 0;
		}
	return KS_EINVAL;
}

enum ks_sev ks_sev_from_cvss(double score)
{
	/* Scores carry one decimal; compare in tenths so 8.95 cannot slip. */
	if (!(score >= 0 && score <= 10))
		return KS_SEV_INFO;
	long t = (long)(score * 10 + 0.5);
	return t >= 90 ? KS_SEV_CRITICAL : t >= 70 ? KS_SEV_HIGH : t >= 40 ? KS_SEV_MEDIUM
	       : t > 0 ? KS_SEV_LOW : KS_SEV_INFO;
}
