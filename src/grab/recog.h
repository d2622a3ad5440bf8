/* SPDX-License-Identifier: BSD-2-Clause */
/* Recog fingerprint engine: identification stage of the survey.
 *
 * Loads Rapid7 Recog XML fingerprint databases (one XML file = one
 * struct ks_recog_db) at run time and matches banners and other service
 * responses against them, with Recog's semantics:
 *
 *   <fingerprints matches="ssh.banner" protocol="ssh" database_type="service"
 *                 preference="0.90">
 *     <fingerprint pattern="^OpenSSH_([\w.]+)" flags="REG_ICASE">
 *       <description>OpenSSH</description>
 *       <example service.version="7.4">OpenSSH_7.4</example>
 *       <param pos="0" name="service.product" value="OpenSSH"/>
 *       <param pos="1" name="service.version"/>
 *       <param pos="0" name="service.cpe23" value="cpe:/a:openbsd:openssh:{service.version}"/>
 *     </fingerprint>
 *   </fingerprints>
 *
 * specification: Recog's fingerprints.xsd and its Ruby reference
 * implementation (lib/recog/fingerprint.rb, regexp_factory.rb):
 * - the first fingerprint of a file whose pattern matches wins, in file order;
 * - patterns are Ruby (Onigmo) regular expressions. They run on PCRE2 with
 *   Ruby's defaults: ^ and $ are always line anchors (PCRE2_MULTILINE), and
 *   Ruby-only syntax is rewritten before compiling: \h and \H (hex digit),
 *   inline (?m) meaning "dot matches newline" (PCRE2's (?s));
 * - flags: REG_ICASE (caseless), REG_DOT_NEWLINE, REG_MULTILINE and
 *   REG_LINE_ANY_CRLF (all three are Ruby's MULTILINE, i.e. PCRE2_DOTALL);
 *   any other flag is a load error, as in Recog;
 * - <param pos="0" name value> is a fixed value; pos="N" is capture group N
 *   (a group that did not take part in the match gives no param);
 * - "{name}" in a fixed value is replaced by the value of param name of the
 *   same match when it has one (interpolation), else left as written;
 * - the file's protocol is added as service.protocol when the fingerprint
 *   sets none; matches defaults to the file's base name without ".xml".
 *
 * Safety: the XML is parsed by libxml2 without network access, without
 * entity substitution or DTD loading, and a document with a DOCTYPE is
 * refused; XML size, fingerprint, param and example counts and pattern
 * length are capped; every match runs under PCRE2 match, depth and heap
 * limits so that a hostile banner cannot hang the survey (hitting a limit is
 * "no match" from that fingerprint and is counted). Patterns are
 * JIT-compiled when PCRE2 has a JIT.
 *
 * Threads: a loaded db or set is read-only and may be matched from several
 * threads at once, each with its own struct ks_recog_result. */
#ifndef KS_RECOG_H
#define KS_RECOG_H

#include <stddef.h>
#include <stdint.h>

#define KS_RECOG_MAX_XML (16u << 20)     /* bytes of one XML file */
#define KS_RECOG_MAX_FP 20000            /* fingerprints per file */
#define KS_RECOG_MAX_PATTERN 8192        /* bytes of one pattern */
#define KS_RECOG_MAX_PARAMS 32           /* params per fingerprint */
#define KS_RECOG_MAX_POS 99              /* highest capture position a param may name */
#define KS_RECOG_MAX_EXAMPLES 1000       /* examples per fingerprint */
#define KS_RECOG_MAX_DBS 256             /* files in a set */
#define KS_RECOG_MATCH_LIMIT 1000000u    /* pcre2_set_match_limit */
#define KS_RECOG_DEPTH_LIMIT 10000u      /* pcre2_set_depth_limit */
#define KS_RECOG_HEAP_LIMIT 8192u        /* pcre2_set_heap_limit, KiB */
#define KS_RECOG_VALUE_BUF 16384         /* bytes for captured/interpolated values */

struct ks_recog_db;  /* one XML file */
struct ks_recog_set; /* several files, looked up by their `matches` */

/* One name/value pair of a match. Names point into the db; values into the
 * db or into the result's buffer: both valid until the next match with the
 * same result, ks_recog_result_release, or ks_recog_free of the db. Values
 * are NUL-terminated (a NUL byte captured from the text ends the value). */
struct ks_recog_param {
	const char *name;
	const char *value;
};

struct ks_recog_result {
	const char *matches;     /* the db's matches key, e.g. "ssh.banner" */
	const char *protocol;    /* the db's protocol or NULL */
	const char *file;        /* name the db was loaded under */
	const char *description; /* the fingerprint's, whitespace collapsed */
	unsigned line;           /* line of the <fingerprint> element */
	size_t index;            /* fingerprint index in file order */
	size_t nparams;
	struct ks_recog_param params[KS_RECOG_MAX_PARAMS + 1]; /* + service.protocol */
	int truncated;           /* a value did not fit value_buf and was cut */
	void *md;                /* PCRE2 match data, made on first use */
	char value_buf[KS_RECOG_VALUE_BUF];
};

/* Prepares a result for use; cannot fail. */
void ks_recog_result_init(struct ks_recog_result *res);
/* Frees the result's match data. */
void ks_recog_result_release(struct ks_recog_result *res);
/* Value of param name in res, or NULL. */
const char *ks_recog_result_get(const struct ks_recog_result *res, const char *name);

/* Loads one XML file. Returns 0 (caller frees *out with ks_recog_free),
 * KS_EIO (cannot read), KS_ELIMIT (a cap was hit) or KS_EINVAL (malformed
 * XML, not a Recog database, bad pattern or flag, bad param); err then
 * names the file and line ("http_servers.xml:120: ...") and *out is NULL. */
int ks_recog_load(const char *path, struct ks_recog_db **out, char *err, size_t errlen);
/* Same from memory; name is used in messages and as the default matches
 * key (its base name without .xml). */
int ks_recog_load_mem(const char *name, const char *xml, size_t len, struct ks_recog_db **out,
		      char *err, size_t errlen);
void ks_recog_free(struct ks_recog_db *db); /* NULL is a no-op */

const char *ks_recog_file(const struct ks_recog_db *db);     /* name it was loaded under */
const char *ks_recog_matches(const struct ks_recog_db *db);  /* e.g. "telnet.banner" */
const char *ks_recog_protocol(const struct ks_recog_db *db); /* or NULL */
const char *ks_recog_database_type(const struct ks_recog_db *db); /* or NULL */
double ks_recog_preference(const struct ks_recog_db *db);    /* 0.10 when absent (Recog) */
size_t ks_recog_count(const struct ks_recog_db *db);         /* fingerprints */
/* Matches that stopped at a PCRE2 limit since load (all threads; approximate). */
uint64_t ks_recog_limit_hits(const struct ks_recog_db *db);

/* First fingerprint matching text[0..len), in file order. Returns 0 and
 * fills res, KS_ENOENT (no fingerprint matches), KS_ENOMEM (match data could
 * not be allocated on first use). text need not be NUL-terminated or valid
 * UTF-8 (invalid sequences never match a character). */
int ks_recog_match(const struct ks_recog_db *db, const char *text, size_t len,
		   struct ks_recog_result *res);
/* Matches text against fingerprint i only (its examples' test). Same returns. */
int ks_recog_match_one(const struct ks_recog_db *db, size_t i, const char *text, size_t len,
		       struct ks_recog_result *res);

/* The <example>s of fingerprint i, for tests: */
struct ks_recog_example {
	const char *text; /* decoded (base64 when _encoding="base64"); not NUL-safe: use len */
	size_t len;
	unsigned line;
	size_t nattrs;    /* expected params: the example's attributes but _encoding, _filename */
	const char *const *names;
	const char *const *values;
};
size_t ks_recog_nexamples(const struct ks_recog_db *db, size_t i);
/* Fills ex with example k of fingerprint i (views into db). 0 or KS_ENOENT. */
int ks_recog_example(const struct ks_recog_db *db, size_t i, size_t k, struct ks_recog_example *ex);
/* Description and line of fingerprint i, or NULL / 0 when out of range. */
const char *ks_recog_description(const struct ks_recog_db *db, size_t i, unsigned *line);

/* Loads every *.xml file of each directory dirs[0..ndirs) (in name order,
 * directories in the given order) into a set. A missing directory is an
 * error unless optional. Returns 0, or the first load error with err naming
 * the file and line (nothing is loaded). Caller frees with ks_recog_set_free. */
int ks_recog_set_load_dirs(const char *const *dirs, size_t ndirs, int optional,
			   struct ks_recog_set **out, char *err, size_t errlen);
/* An empty set, to fill with ks_recog_set_add_dir (ks_recog_set_free). */
struct ks_recog_set *ks_recog_set_new(void);
/* Adds the *.xml files of dir (name order) after those already in set.
 * All or nothing: on error nothing from dir is kept. Returns as
 * ks_recog_set_load_dirs. */
int ks_recog_set_add_dir(struct ks_recog_set *set, const char *dir, int optional, char *err,
			 size_t errlen);
/* One directory. */
int ks_recog_set_load_dir(const char *dir, struct ks_recog_set **out, char *err, size_t errlen);
void ks_recog_set_free(struct ks_recog_set *set);
size_t ks_recog_set_count(const struct ks_recog_set *set);
const struct ks_recog_db *ks_recog_set_db(const struct ks_recog_set *set, size_t i);

/* Matches text against the dbs whose matches key equals `matches` (every db
 * when matches is NULL), by descending preference and then load order, as
 * Recog's Nizer does; the first matching fingerprint wins. Returns as
 * ks_recog_match; KS_ENOENT also when no db has that key. */
int ks_recog_set_match(const struct ks_recog_set *set, const char *matches, const char *text,
		       size_t len, struct ks_recog_result *res);

#endif
