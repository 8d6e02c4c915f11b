/* main.c: opsicled entry point (being written). */
#include "config.h"

int
main(void)
{
	return 0;
}
