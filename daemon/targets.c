/*
 * targets.c: the target service: what the runner, the event bus and the
 * target handlers share about targets, so the runner never calls into a
 * handler file.
 */
#include "config.h"

#include "daemon.h"
#include "ssh.h"

const char *
target_reach(int state, const char *cls)
{
	switch (state) {
	case STORE_RUN_OK:
	case STORE_RUN_FAILED:
	case STORE_RUN_TIMEOUT:
		return "reachable";
	case STORE_RUN_ERROR:
		switch (ssh_class_reached(cls)) {
		case 1:
			return "reachable";
		case 0:
			return "unreachable";
		}
		break;
	}
	return "unknown";
}
