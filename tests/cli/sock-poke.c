/*
 * sock-poke.c: send hostile input to opsicled's socket for the daemon
 * tests. Usage: sock-poke SOCKET MODE, MODE one of
 *   random     64 KiB of random bytes, then close
 *   truncated  a length prefix promising 100 bytes, 10 of them, close
 *   huge       a 0xFFFFFFFF length prefix, then wait for the reply
 *   hello      a valid hello; prints the reply's type
 *   nohello    a valid daemon-status without hello first
 *   idle       nothing at all; waits until the daemon closes
 *   stall      10 bytes of a 100-byte frame, then waits likewise
 *   unsubscribe  hello, then unsubscribe; prints both replies' types
 * Prints the type of the reply it got ("error", "hello-reply", ...) or
 * "closed" when the daemon closed without one. Exit 0 unless the socket
 * cannot be reached.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

static void
print_reply(int fd)
{
	struct proto_reader	 r;
	enum proto_type		 type;
	json_t			*msg = NULL;
	int			 eof = 0;

	proto_reader_init(&r, PROTO_ACCEPT_CLIENT);
	for (;;) {
		if (proto_reader_next(&r, &msg, &type, NULL) != OPS_OK)
			break;
		if (msg != NULL || eof)
			break;
		if (proto_reader_fill(&r, fd, &eof, NULL) != OPS_OK)
			break;
	}
	printf("%s\n", msg != NULL ? proto_type_name(type) : "closed");
	json_decref(msg);
	proto_reader_done(&r);
}

static void
send_all(int fd, const void *p, size_t len)
{
	ssize_t	n;

	while (len > 0 && (n = write(fd, p, len)) > 0) {
		p = (const char *)p + n;
		len -= (size_t)n;
	}
}

/* Put body, framed, at buf; returns the frame's length. */
static size_t
frame_put(unsigned char *buf, const char *body)
{
	uint32_t	len = (uint32_t)strlen(body);

	buf[0] = (unsigned char)(len >> 24);
	buf[1] = (unsigned char)(len >> 16);
	buf[2] = (unsigned char)(len >> 8);
	buf[3] = (unsigned char)len;
	memcpy(buf + 4, body, len);
	return 4 + (size_t)len;
}

/* Print the types of the next n messages, space-separated, through one
 * reader (replies sent together may arrive in one read). */
static void
print_replies(int fd, int n)
{
	struct proto_reader	 r;
	enum proto_type		 type;
	json_t			*msg;
	int			 eof = 0, got = 0;

	proto_reader_init(&r, PROTO_ACCEPT_CLIENT);
	while (got < n) {
		msg = NULL;
		if (proto_reader_next(&r, &msg, &type, NULL) != OPS_OK)
			break;
		if (msg != NULL) {
			printf("%s%s", got > 0 ? " " : "", proto_type_name(type));
			json_decref(msg);
			got++;
			continue;
		}
		if (eof || proto_reader_fill(&r, fd, &eof, NULL) != OPS_OK)
			break;
	}
	printf("%s\n", got < n ? (got > 0 ? " closed" : "closed") : "");
	proto_reader_done(&r);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sa;
	unsigned char		 buf[65536];
	char			 body[128];
	int			 fd, rfd;
	uint32_t		 len;

	if (argc != 3) {
		fprintf(stderr, "usage: sock-poke SOCKET MODE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("sock-poke: connect");
		return 1;
	}
	if (strcmp(argv[2], "random") == 0) {
		if ((rfd = open("/dev/urandom", O_RDONLY)) == -1 ||
		    read(rfd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 1;
		close(rfd);
		send_all(fd, buf, sizeof(buf));
		shutdown(fd, SHUT_WR);
	} else if (strcmp(argv[2], "truncated") == 0) {
		memcpy(buf, "\0\0\0\144{\"v\":1,\"id", 14);
		send_all(fd, buf, 14);
		close(fd);
		printf("closed\n");
		return 0;
	} else if (strcmp(argv[2], "idle") == 0) {
		/* print_reply waits for the daemon to give up on us. */
	} else if (strcmp(argv[2], "stall") == 0) {
		memcpy(buf, "\0\0\0\144{\"v\":1,\"id", 14);
		send_all(fd, buf, 14);
	} else if (strcmp(argv[2], "huge") == 0) {
		memset(buf, 0xff, 4);
		send_all(fd, buf, 4);
	} else if (strcmp(argv[2], "hello") == 0 ||
	    strcmp(argv[2], "nohello") == 0) {
		snprintf(body, sizeof(body), "{\"v\":%d,\"id\":1,"
		    "\"type\":\"%s\"}", OPS_PROTO_VERSION,
		    strcmp(argv[2], "hello") == 0 ? "hello" : "daemon-status");
		len = (uint32_t)strlen(body);
		buf[0] = (unsigned char)(len >> 24);
		buf[1] = (unsigned char)(len >> 16);
		buf[2] = (unsigned char)(len >> 8);
		buf[3] = (unsigned char)len;
		memcpy(buf + 4, body, len);
		send_all(fd, buf, 4 + len);
	} else if (strcmp(argv[2], "unsubscribe") == 0) {
		size_t	off;
		char	b2[128];

		snprintf(body, sizeof(body), "{\"v\":%d,\"id\":1,"
		    "\"type\":\"hello\"}", OPS_PROTO_VERSION);
		snprintf(b2, sizeof(b2), "{\"v\":%d,\"id\":2,"
		    "\"type\":\"unsubscribe\",\"streams\":[\"job-output\"]}",
		    OPS_PROTO_VERSION);
		off = frame_put(buf, body);
		off += frame_put(buf + off, b2);
		send_all(fd, buf, off);
		print_replies(fd, 2);
		close(fd);
		return 0;
	} else {
		fprintf(stderr, "sock-poke: unknown mode %s\n", argv[2]);
		return 2;
	}
	print_reply(fd);
	close(fd);
	return 0;
}
