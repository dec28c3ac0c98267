/*
 * strbuf.h - a growable byte buffer, always NUL-terminated.
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	sb_addf(&sb, "%d epochs", n);
 *	... sb.buf, sb.len ...
 *	sb_release(&sb);
 */
#ifndef SPOOLBOARD_STRBUF_H
#define SPOOLBOARD_STRBUF_H

#include <stddef.h>
#include <string.h>

struct strbuf {
	char *buf;	/* NUL-terminated; NULL until the first add */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_grow(struct strbuf *sb, size_t extra);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_reset(struct strbuf *sb);

/*
 * The appends are inline: the renderer makes pages of many short pieces,
 * and inlined, a literal's length and copy are known at compile time.
 */

/* Append n bytes of data. */
static inline void
sb_add(struct strbuf *sb, const void *data, size_t n)
{
	if (sb->len + n >= sb->cap)
		sb_grow(sb, n);
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* Append the string s. */
static inline void
sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

/* Append one byte. */
static inline void
sb_addc(struct strbuf *sb, char c)
{
	if (sb->len + 1 >= sb->cap)
		sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}
/* The contents as a string, "" when empty; valid until the next change. */
const char *sb_str(const struct strbuf *sb);
/* Hand the buffer to the caller (who frees it) and reset sb. */
char *sb_detach(struct strbuf *sb, size_t *len);
void sb_release(struct strbuf *sb);

#endif
