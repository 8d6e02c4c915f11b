/*
 * tap.h: a small Test Anything Protocol producer for C tests.
 * plan(n) first; each ok() prints one "ok N - name" or "not ok N - name";
 * diag() writes "# ..." lines; exit_status() is 0 only when every planned
 * test ran and passed.
 */
#ifndef OPS_TAP_H
#define OPS_TAP_H

void	plan(int n);
void	plan_no_plan(void);
void	skip_all(const char *why);
int	ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	skip(int n, const char *why);
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	exit_status(void);

#define is_int(got, want, ...) \
	(ok((got) == (want), __VA_ARGS__) ? 1 : \
	 (diag("  got %lld, want %lld", (long long)(got), \
	  (long long)(want)), 0))

#endif
